import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ACTING_ROUTES,
  type ActingRequest,
  activateWithJwt,
  customJwt,
  JWT_ENV,
  jwtFor,
} from '../helpers/identity.js';

const A = 1;
const B = 2;
const unsigned = (claims: object) =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

interface Case {
  name: string;
  /** The request's Authorization, queue token and named user, from the fixtures. */
  request(): Promise<Partial<ActingRequest>>;
  status: 401 | 403;
  code: string | ((namesUser: boolean) => string);
  /** The WWW-Authenticate a 401 carries. */
  challenge?: RegExp;
  gatedOnly?: boolean;
}

describe('identity: the 401/403 matrix of every acting route (AUTH_MODE=jwt)', () => {
  let t: TestApp;
  let tokens: Map<number, string>;
  let reservationOfA: string;
  const now = () => Math.floor(t.clock.now() / 1000);
  const bearer = async (jwt: string | Promise<string>) => `Bearer ${await jwt}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...JWT_ENV, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
    tokens = await activateWithJwt(t, A, B);
    const held = await t.app.inject({
      method: 'POST',
      url: '/reservations',
      headers: {
        authorization: await bearer(jwtFor(t, A)),
        'x-queue-token': tokens.get(A)!,
        'idempotency-key': 'matrix-hold',
      },
      payload: { userId: A, concertId: 1, scheduleId: 2, seatNumber: 1 },
    });
    expect(held.statusCode).toBe(201);
    reservationOfA = held.json().reservationId;
  });
  afterAll(() => t.close());

  const invalid = /^Bearer realm="stagedoor", error="invalid_token", error_description="[^"]+"$/;
  const cases: Case[] = [
    {
      name: 'no Authorization',
      request: async () => ({}),
      status: 401,
      code: 'AUTH_TOKEN_MISSING',
      challenge: /^Bearer realm="stagedoor"$/,
    },
    {
      name: 'another scheme (Basic)',
      request: async () => ({ authorization: 'Basic dXNlcjpwYXNz' }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'malformed JWT',
      request: async () => ({ authorization: 'Bearer not.a.jwt' }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'alg: none',
      request: async () => ({
        authorization: `Bearer ${unsigned({ ...JWT_CLAIMS(), sub: String(A), exp: now() + 600 })}`,
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'wrong key',
      request: async () => ({
        authorization: await bearer(
          customJwt(t, { sub: String(A) }, { secret: 'another-secret-0123456789abcdefgh' }),
        ),
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'an algorithm not configured (HS512, right secret)',
      request: async () => ({
        authorization: await bearer(customJwt(t, { sub: String(A) }, { alg: 'HS512' })),
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'expired (beyond the clock skew)',
      request: async () => ({
        authorization: await bearer(customJwt(t, { sub: String(A), exp: now() - 120 })),
      }),
      status: 401,
      code: 'AUTH_TOKEN_EXPIRED',
      challenge: /error="invalid_token"/,
    },
    {
      name: 'without exp',
      request: async () => ({
        authorization: await bearer(customJwt(t, { sub: String(A), exp: undefined })),
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'wrong issuer',
      request: async () => ({
        authorization: await bearer(customJwt(t, { sub: String(A), iss: 'https://evil.example/' })),
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'wrong audience',
      request: async () => ({
        authorization: await bearer(customJwt(t, { sub: String(A), aud: 'another-app' })),
      }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: 'a subject that is not a user id',
      request: async () => ({ authorization: await bearer(customJwt(t, { sub: 'alice@example.test' })) }),
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
      challenge: invalid,
    },
    {
      name: "another user's JWT",
      request: async () => ({ authorization: await bearer(jwtFor(t, B)) }),
      status: 403,
      code: (namesUser) => (namesUser ? 'USER_MISMATCH' : 'QUEUE_TOKEN_USER_MISMATCH'),
    },
    {
      name: "another user's queue token",
      request: async () => ({ authorization: await bearer(jwtFor(t, A)), queueToken: tokens.get(B)! }),
      status: 403,
      code: 'QUEUE_TOKEN_USER_MISMATCH',
      gatedOnly: true,
    },
  ];
  const JWT_CLAIMS = () => ({ iss: JWT_ENV.AUTH_JWT_ISSUER, aud: JWT_ENV.AUTH_JWT_AUDIENCE });

  describe.each(ACTING_ROUTES)('$name', (route) => {
    it.each(cases.filter((c) => route.gated || !c.gatedOnly))('$name → $status', async (c) => {
      const request: ActingRequest = {
        userId: A,
        queueToken: route.gated ? tokens.get(A) : undefined,
        reservationId: reservationOfA,
        ...(await c.request()),
      };
      const response = await t.app.inject(route.build(request));
      expect(response.statusCode).toBe(c.status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe(typeof c.code === 'string' ? c.code : c.code(route.namesUser));
      if (c.challenge) expect(response.headers['www-authenticate']).toMatch(c.challenge);
      else expect(response.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe("the JWT's own user gets through", () => {
    let nextUser = 100;
    let nextSeat = 1;
    it.each(ACTING_ROUTES)('$name → $success', async (route) => {
      const userId = nextUser++;
      const queueToken = (await activateWithJwt(t, userId)).get(userId)!;
      const authorization = await bearer(jwtFor(t, userId));
      const request: ActingRequest = {
        userId,
        queueToken,
        authorization,
        scheduleId: 3,
        seatNumber: nextSeat++,
      };
      if (route.name.includes('payment')) {
        // Top up, then hold a seat, both with the user's own JWT.
        const topUp = ACTING_ROUTES.find((r) => r.name === 'PATCH /users/{userId}/charge')!;
        expect((await t.app.inject(topUp.build({ ...request }))).statusCode).toBe(200);
        const held = await t.app.inject(
          ACTING_ROUTES.find((r) => r.name === 'POST /reservations')!.build(request),
        );
        expect(held.statusCode).toBe(201);
        Object.assign(request, { reservationId: held.json().reservationId, amount: held.json().price });
      }
      const response = await t.app.inject(route.build(request));
      expect(response.statusCode, response.body).toBe(route.success);
    });
  });
});
