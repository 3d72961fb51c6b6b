import { SignJWT } from 'jose';
import type { JwtSettings } from './jwt-verifier.js';

export interface DevTokenRequest {
  userId: number;
  roles: readonly string[];
  ttlSeconds: number;
  /** Milliseconds since the epoch. */
  now: number;
}

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** "90", "90s", "15m", "1h", "7d" → seconds; undefined when not of that form or not positive. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  return seconds > 0 ? seconds : undefined;
}

/**
 * A development JWT for AUTH_MODE=jwt with AUTH_JWT_SECRET (HS256): `sub` (or AUTH_USER_CLAIM)
 * is the user, the roles claim lists the roles, and issuer/audience are the configured ones.
 * Production tokens come from the identity provider; this is for demos, tests and benchmarks.
 */
export async function signDevToken(settings: JwtSettings, request: DevTokenRequest): Promise<string> {
  if (settings.key.kind !== 'secret') {
    throw new Error('dev tokens need AUTH_JWT_SECRET (HS256); a JWKS or public key cannot sign');
  }
  const iat = Math.floor(request.now / 1000);
  const claims: Record<string, unknown> = {};
  // Nested claim names (realm_access.roles) become nested objects, as an identity provider sends them.
  const put = (path: string, value: unknown) => {
    const parts = path.split('.');
    let target = claims;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = value;
  };
  put(settings.rolesClaim, [...request.roles]);
  // `sub` is a string by RFC 7519; a custom user claim carries the number itself.
  if (settings.userClaim !== 'sub') put(settings.userClaim, request.userId);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + request.ttlSeconds);
  if (settings.userClaim === 'sub') jwt = jwt.setSubject(String(request.userId));
  if (settings.issuer) jwt = jwt.setIssuer(settings.issuer);
  if (settings.audience) jwt = jwt.setAudience(settings.audience);
  return jwt.sign(Buffer.from(settings.key.secret, 'utf8'));
}
