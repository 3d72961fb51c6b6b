import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import { signDevToken } from '../../src/modules/identity/dev-token.js';
import type { JwtSettings } from '../../src/modules/identity/jwt-verifier.js';
import type { TestApp } from './app.js';

export const JWT_SECRET = 'identity-test-secret-0123456789abcdef';
export const JWT_ENV = {
  AUTH_MODE: 'jwt',
  AUTH_JWT_SECRET: JWT_SECRET,
  AUTH_JWT_ISSUER: 'https://id.example.test/',
  AUTH_JWT_AUDIENCE: 'stagedoor',
};

export function jwtSettings(t: TestApp): JwtSettings {
  if (t.config.auth.mode !== 'jwt') throw new Error('the test app is not in AUTH_MODE=jwt');
  return t.config.auth;
}

/** A valid JWT of the user, as of the app's clock. */
export function jwtFor(
  t: TestApp,
  userId: number,
  roles: string[] = [],
  ttlSeconds = 86_400,
): Promise<string> {
  return signDevToken(jwtSettings(t), { userId, roles, ttlSeconds, now: t.clock.now() });
}

/** A JWT with any claims and header, signed HS256 (or as told) with the given secret. */
export function customJwt(
  t: TestApp,
  claims: Record<string, unknown>,
  { secret = JWT_SECRET, alg = 'HS256' }: { secret?: string; alg?: string } = {},
): Promise<string> {
  const iat = Math.floor(t.clock.now() / 1000);
  const { auth } = t.config;
  const base =
    auth.mode === 'jwt' ? { iss: auth.issuer, aud: auth.audience, sub: '1', iat, exp: iat + 3600 } : {};
  return new SignJWT({ ...base, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(Buffer.from(secret, 'utf8'));
}

/** Issues queue tokens with each user's own JWT and admits them all. */
export async function activateWithJwt(t: TestApp, ...userIds: number[]): Promise<Map<number, string>> {
  const tokens = new Map<number, string>();
  for (const userId of userIds) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/waiting/issue',
      headers: { authorization: `Bearer ${await jwtFor(t, userId)}` },
      payload: { userId },
    });
    expect(response.statusCode).toBe(200);
    tokens.set(userId, response.json<{ token: string }>().token);
  }
  await t.tick();
  return tokens;
}

export interface ActingRequest {
  /** The user the request names (path, query or body). */
  userId: number;
  queueToken?: string;
  authorization?: string;
  /** For payments: the reservation paid for, and its price. */
  reservationId?: string;
  amount?: number;
  /** For reservations: the seat held. */
  scheduleId?: number;
  seatNumber?: number;
}

export interface ActingRoute {
  name: string;
  /** Whether the request names its user (else it acts for its queue token's user). */
  namesUser: boolean;
  /** Whether it takes an X-Queue-Token. */
  gated: boolean;
  success: number;
  build(request: ActingRequest): InjectOptions;
}

function headersOf(
  { queueToken, authorization }: ActingRequest,
  idempotent: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (queueToken) headers['x-queue-token'] = queueToken;
  if (authorization) headers.authorization = authorization;
  if (idempotent) headers['idempotency-key'] = randomUUID();
  return headers;
}

const issue =
  (url: string): ActingRoute['build'] =>
  (r) => ({
    method: 'POST',
    url,
    headers: headersOf(r, false),
    payload: { userId: r.userId },
  });
const check =
  (method: 'GET' | 'POST', url: string): ActingRoute['build'] =>
  (r) => ({ method, url, headers: headersOf(r, false) });
const hold =
  (url: string): ActingRoute['build'] =>
  (r) => ({
    method: 'POST',
    url,
    headers: headersOf(r, true),
    payload: {
      userId: r.userId,
      concertId: 1,
      scheduleId: r.scheduleId ?? 1,
      seatNumber: r.seatNumber ?? 50,
    },
  });
const payment =
  (url: string): ActingRoute['build'] =>
  (r) => ({
    method: 'POST',
    url,
    headers: headersOf(r, true),
    payload: { reservationId: r.reservationId ?? randomUUID(), amount: r.amount ?? 80_000 },
  });

/** Every route that names or acts for a user, in both route sets. */
export const ACTING_ROUTES: ActingRoute[] = [
  {
    name: 'POST /waiting/issue',
    namesUser: true,
    gated: false,
    success: 200,
    build: issue('/waiting/issue'),
  },
  {
    name: 'POST /v1/api/queue/token',
    namesUser: true,
    gated: false,
    success: 200,
    build: issue('/v1/api/queue/token'),
  },
  {
    name: 'GET /waiting/check',
    namesUser: false,
    gated: true,
    success: 200,
    build: check('GET', '/waiting/check'),
  },
  {
    name: 'POST /v1/api/queue/token/check',
    namesUser: false,
    gated: true,
    success: 200,
    build: check('POST', '/v1/api/queue/token/check'),
  },
  {
    name: 'GET /users/{userId}/amount',
    namesUser: true,
    gated: true,
    success: 200,
    build: (r) => ({ method: 'GET', url: `/users/${r.userId}/amount`, headers: headersOf(r, false) }),
  },
  {
    name: 'GET /v1/api/user/amount',
    namesUser: true,
    gated: true,
    success: 200,
    build: (r) => ({
      method: 'GET',
      url: `/v1/api/user/amount?userId=${r.userId}`,
      headers: headersOf(r, false),
    }),
  },
  {
    name: 'PATCH /users/{userId}/charge',
    namesUser: true,
    gated: true,
    success: 200,
    build: (r) => ({
      method: 'PATCH',
      url: `/users/${r.userId}/charge`,
      headers: headersOf(r, true),
      payload: { amount: 50_000 },
    }),
  },
  {
    name: 'POST /v1/api/user/amount',
    namesUser: true,
    gated: true,
    success: 200,
    build: (r) => ({
      method: 'POST',
      url: '/v1/api/user/amount',
      headers: headersOf(r, true),
      payload: { userId: r.userId, amount: 50_000 },
    }),
  },
  { name: 'POST /reservations', namesUser: true, gated: true, success: 201, build: hold('/reservations') },
  {
    name: 'POST /v1/api/concerts/reserve',
    namesUser: true,
    gated: true,
    success: 201,
    build: hold('/v1/api/concerts/reserve'),
  },
  { name: 'POST /payments', namesUser: false, gated: true, success: 201, build: payment('/payments') },
  {
    name: 'POST /v1/api/concerts/payment',
    namesUser: false,
    gated: true,
    success: 201,
    build: payment('/v1/api/concerts/payment'),
  },
];
