import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Clock } from '../../clock.js';
import type { AuthConfig } from '../../config.js';
import { AppError } from '../../errors.js';

export type JwtSettings = Extract<AuthConfig, { mode: 'jwt' }>;

/** A 401 that also tells the client, per RFC 6750, how to authenticate and what was wrong. */
export class AuthError extends AppError {
  constructor(
    code: string,
    detail: string,
    /** RFC 6750 error code for the challenge; absent when no credentials were sent. */
    readonly bearerError?: 'invalid_token' | 'invalid_request',
  ) {
    super(code, 401, detail);
  }

  challenge(): string {
    if (!this.bearerError) return 'Bearer realm="stagedoor"';
    const description = this.detail.replaceAll('"', "'");
    return `Bearer realm="stagedoor", error="${this.bearerError}", error_description="${description}"`;
  }
}

/** The key provider could not be reached: the token may be fine, so this is 503, not 401. */
export class KeysUnavailableError extends AppError {
  constructor(detail: string) {
    super('AUTH_KEYS_UNAVAILABLE', 503, detail);
  }
}

// jose errors that say "this token is not acceptable"; any other failure is the key provider's.
const TOKEN_FAULTS = new Set([
  errors.JWTClaimValidationFailed.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JWKInvalid.code,
]);

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

function keyOf(settings: JwtSettings): KeyObject | JWTVerifyGetKey {
  const { key } = settings;
  if (key.kind === 'secret') return createSecretKey(Buffer.from(key.secret, 'utf8'));
  if (key.kind === 'publicKey') return createPublicKey(key.pem);
  // Keys are cached; an unknown `kid` refetches the set (at most once per cooldown), which is
  // how a rotation is picked up without a network call per request.
  return createRemoteJWKSet(new URL(key.url), {
    cooldownDuration: key.cooldownSeconds * 1000,
    timeoutDuration: 5000,
  });
}

interface Verified {
  payload: JWTPayload;
  /** Clock time (ms) until which the token may be answered from the cache. */
  until: number;
}

/**
 * Verifies a compact JWS locally with the configured key: signature, one of the configured
 * algorithms (never `none`), `exp` present and not past (with the configured skew), and the
 * issuer and audience when configured. Throws AuthError (401) or KeysUnavailableError (503).
 *
 * A client sends the same JWT with every request (a waiting fan polls), and jose's HS256
 * verification costs about 100 µs of CPU per call here, more than a whole queue check. So a
 * verified token's claims are kept, keyed by the exact token text, until its `exp` (plus skew)
 * or AUTH_JWT_CACHE_SECONDS after verification (so a retired key stops working within it),
 * whichever comes first. The same bytes verify the same
 * way; only time-bound claims can change the answer, and `until` accounts for them.
 */
export function createJwtVerifier(settings: JwtSettings, clock: Clock, cacheEntries = 50_000): JwtVerifier {
  const key = keyOf(settings);
  const options = {
    algorithms: [...settings.algorithms],
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockSkewSeconds,
    requiredClaims: ['exp'],
  };
  const cache = new Map<string, Verified>();

  async function verifyFully(token: string, now: number): Promise<JWTPayload> {
    try {
      const verify = { ...options, currentDate: new Date(now) };
      // Two calls because jose's overloads take a key or a key getter, not their union.
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, verify) : await jwtVerify(token, key, verify);
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new AuthError('AUTH_TOKEN_EXPIRED', 'The bearer token has expired.', 'invalid_token');
      }
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) {
        throw new AuthError(
          'AUTH_TOKEN_INVALID',
          `The bearer token is not valid: ${error.message}`,
          'invalid_token',
        );
      }
      throw new KeysUnavailableError('The keys that verify bearer tokens cannot be fetched right now.');
    }
  }

  return async (token) => {
    const now = clock.now();
    const hit = cache.get(token);
    if (hit && now < hit.until) return hit.payload;
    if (hit) cache.delete(token);
    const payload = await verifyFully(token, now);
    // exp is required, so it is a number here; nbf in the future was refused above.
    const until = Math.min(
      (payload.exp! + settings.clockSkewSeconds) * 1000,
      now + settings.cacheSeconds * 1000,
    );
    if (cache.size >= cacheEntries) cache.clear();
    cache.set(token, { payload, until });
    return payload;
  };
}
