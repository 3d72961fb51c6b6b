import type { JWTPayload } from 'jose';
import type { Clock } from '../../clock.js';
import type { AuthConfig } from '../../config.js';
import type { Sql } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { ensureUser } from './identity.repository.js';
import { AuthError, createJwtVerifier, type JwtSettings } from './jwt-verifier.js';

/** Who is calling, as a verified JWT says. */
export interface Caller {
  userId: number;
  roles: string[];
  /** Whether the roles include AUTH_ADMIN_ROLE. */
  operator: boolean;
}

export interface IdentityService {
  readonly mode: AuthConfig['mode'];
  /**
   * The caller of an `Authorization: Bearer <JWT>` header: AuthError (401) when missing or
   * not acceptable, 503 when the key provider is down. A user seen for the first time is
   * created with balance 0.
   */
  authenticate(authorization: string | undefined): Promise<Caller>;
  /**
   * The JWT's subject (`sub`, any text; "" when absent) when the header carries a valid JWT
   * with the admin role, else undefined; never throws.
   */
  operatorSubject(authorization: string | undefined): Promise<string | undefined>;
}

export interface IdentityDeps {
  auth: AuthConfig;
  clock: Clock;
  sql: Sql;
  /** Users known to exist are remembered (users are never deleted); bounded memory. */
  rememberAtMost?: number;
}

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthError('AUTH_TOKEN_MISSING', 'Send Authorization: Bearer <JWT>.');
  }
  const match = BEARER.exec(authorization);
  if (!match)
    throw new AuthError(
      'AUTH_TOKEN_INVALID',
      'The Authorization header is not "Bearer <JWT>".',
      'invalid_token',
    );
  return match[1]!;
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A positive integer id, as a JSON number or a decimal string (JWT `sub` is a string). */
function userIdFrom(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** A JSON array of strings, or one space-separated string (as OAuth's `scope` is). */
function rolesFrom(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

function jwtIdentity(settings: JwtSettings, { clock, sql, rememberAtMost = 1_000_000 }: IdentityDeps) {
  const verify = createJwtVerifier(settings, clock);
  const known = new Set<number>();

  async function ensureKnown(userId: number): Promise<void> {
    if (known.has(userId)) return;
    await ensureUser(sql, userId);
    if (known.size >= rememberAtMost) known.clear();
    known.add(userId);
  }

  const rolesOf = (payload: JWTPayload) => rolesFrom(claimAt(payload, settings.rolesClaim));

  return {
    mode: 'jwt' as const,
    async authenticate(authorization: string | undefined): Promise<Caller> {
      const payload = await verify(bearerToken(authorization));
      const userId = userIdFrom(claimAt(payload, settings.userClaim));
      if (userId === undefined) {
        throw new AuthError(
          'AUTH_TOKEN_INVALID',
          `The bearer token's "${settings.userClaim}" claim is not a user id (a positive integer).`,
          'invalid_token',
        );
      }
      await ensureKnown(userId);
      const roles = rolesOf(payload);
      return { userId, roles, operator: roles.includes(settings.adminRole) };
    },
    async operatorSubject(authorization: string | undefined): Promise<string | undefined> {
      try {
        const payload = await verify(bearerToken(authorization));
        return rolesOf(payload).includes(settings.adminRole) ? (payload.sub ?? '') : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function createIdentityService(deps: IdentityDeps): IdentityService {
  if (deps.auth.mode === 'jwt') return jwtIdentity(deps.auth, deps);
  return {
    mode: 'none',
    authenticate: async () => {
      throw new AppError('IDENTITY_DISABLED', 404, 'AUTH_MODE=none: requests carry no verified identity.');
    },
    operatorSubject: async () => undefined,
  };
}
