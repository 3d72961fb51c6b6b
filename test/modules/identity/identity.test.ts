import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { jwtOperatorCheck, operatorFromRequest } from '../../../src/http/identity.js';
import { createIdentityService } from '../../../src/modules/identity/identity.service.js';
import { TEST_USERS } from '../../global-setup.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { customJwt, JWT_ENV, JWT_SECRET, jwtFor } from '../../helpers/identity.js';
import { ledgerMismatches } from '../../helpers/ledger.js';

const me = (t: TestApp, authorization?: string) =>
  t.app.inject({ method: 'GET', url: '/me', headers: authorization ? { authorization } : {} });

describe('identity in AUTH_MODE=jwt', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: JWT_ENV });
  });
  afterAll(() => t.close());

  it('GET /me answers the caller and roles; the admin role makes an operator', async () => {
    const plain = await me(t, `Bearer ${await jwtFor(t, 7)}`);
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({ userId: 7, roles: [], operator: false });
    const admin = await me(t, `Bearer ${await jwtFor(t, 7, ['support', 'admin'])}`);
    expect(admin.json()).toEqual({ userId: 7, roles: ['support', 'admin'], operator: true });
    // Fastify's automatic HEAD twin of a GET route is guarded the same way.
    const head = await t.app.inject({ method: 'HEAD', url: '/users/7/amount' });
    expect(head.statusCode).toBe(401);
    const anonymous = await me(t);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="stagedoor"');
  });

  it('refuses an anonymous request before reading its body: 401, not 400', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/reservations',
      headers: { 'content-type': 'application/json' },
      payload: '{"userId": "not even json',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_TOKEN_MISSING');
  });

  it('creates a user seen for the first time with balance 0 and a consistent ledger, once', async () => {
    const newcomer = TEST_USERS + 1234;
    const jwt = `Bearer ${await jwtFor(t, newcomer)}`;
    const count = async () =>
      (await t.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users WHERE id = ${newcomer}`)[0]!
        .n;
    expect(await count()).toBe(0);
    await Promise.all([me(t, jwt), me(t, jwt), me(t, jwt)]);
    expect(await count()).toBe(1);
    const balance = await t.app.inject({
      method: 'POST',
      url: '/waiting/issue',
      headers: { authorization: jwt },
      payload: { userId: newcomer },
    });
    expect(balance.statusCode).toBe(200); // the queue knows the new user at once
    const [row] = await t.database.sql<
      { balance: number }[]
    >`SELECT balance FROM users WHERE id = ${newcomer}`;
    expect(row!.balance).toBe(0);
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('allows a small clock skew on exp, not more', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    expect((await me(t, `Bearer ${await customJwt(t, { sub: '3', exp: now - 10 })}`)).statusCode).toBe(200);
    const late = await me(t, `Bearer ${await customJwt(t, { sub: '3', exp: now - 31 })}`);
    expect(late.statusCode).toBe(401);
    expect(late.json().code).toBe('AUTH_TOKEN_EXPIRED');
    // A token verified (and cached) while valid is refused once its exp passes.
    const shortLived = `Bearer ${await customJwt(t, { sub: '3', exp: now + 60 })}`;
    expect((await me(t, shortLived)).statusCode).toBe(200);
    t.clock.advance(60_000 + 31_000);
    expect((await me(t, shortLived)).json().code).toBe('AUTH_TOKEN_EXPIRED');
    t.clock.advance(86_400_000);
    const stale = await me(t, `Bearer ${await signedAt(now, 86_400)}`);
    expect(stale.json().code).toBe('AUTH_TOKEN_EXPIRED'); // expiry follows the app's clock
  });

  const signedAt = (iat: number, ttl: number) =>
    new SignJWT({
      sub: '3',
      iss: JWT_ENV.AUTH_JWT_ISSUER,
      aud: JWT_ENV.AUTH_JWT_AUDIENCE,
      iat,
      exp: iat + ttl,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(Buffer.from(JWT_SECRET));

  it('OpenAPI lists the bearer scheme on every route that names a user, and only there', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const missing: string[] = [];
    const secured: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, OpenApiOperation>>(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (op.security?.some((s) => 'bearerAuth' in s)) secured.push(name);
        else if (JSON.stringify([op.parameters, op.requestBody]).includes('"userId"')) missing.push(name);
        if (op.security && path !== '/me')
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(missing).toEqual([]);
    expect(secured).toEqual(
      expect.arrayContaining([
        'GET /me',
        'GET /waiting/check',
        'POST /payments',
        'POST /v1/api/concerts/payment',
      ]),
    );
    expect(secured).not.toContain('GET /concerts');
  });
});

interface OpenApiOperation {
  security?: Record<string, string[]>[];
  parameters?: unknown;
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

describe('identity in AUTH_MODE=none (the demo default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('trusts the userId, ignores Authorization, and has no caller for /me', async () => {
    const issued = await t.app.inject({
      method: 'POST',
      url: '/waiting/issue',
      headers: { authorization: 'Bearer garbage' },
      payload: { userId: 9 },
    });
    expect(issued.statusCode).toBe(200);
    const answer = await me(t, 'Bearer garbage');
    expect(answer.statusCode).toBe(404);
    expect(answer.json().code).toBe('IDENTITY_DISABLED');
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/waiting/issue'].post.security).toBeUndefined();
  });
});

describe('other subjects and claims', () => {
  it('reads the user from AUTH_USER_CLAIM and roles from a nested AUTH_ROLES_CLAIM', async () => {
    const t = await createTestApp({
      env: {
        ...JWT_ENV,
        AUTH_USER_CLAIM: 'uid',
        AUTH_ROLES_CLAIM: 'realm_access.roles',
        AUTH_ADMIN_ROLE: 'ops',
      },
    });
    try {
      const jwt = await customJwt(t, {
        sub: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
        uid: 12,
        realm_access: { roles: ['ops'] },
      });
      expect((await me(t, `Bearer ${jwt}`)).json()).toEqual({ userId: 12, roles: ['ops'], operator: true });
      expect((await me(t, `Bearer ${await jwtFor(t, 13, ['ops'])}`)).json()).toEqual({
        userId: 13,
        roles: ['ops'],
        operator: true,
      });
    } finally {
      await t.close();
    }
  });

  it('verifies ES256 with a PEM public key and refuses the same claims signed HS256', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const t = await createTestApp({
      env: {
        AUTH_MODE: 'jwt',
        AUTH_JWT_PUBLIC_KEY: pem.replaceAll('\n', '\\n'),
        AUTH_JWT_ALGORITHMS: 'ES256',
      },
    });
    try {
      const iat = Math.floor(t.clock.now() / 1000);
      const claims = { sub: '21', iat, exp: iat + 60 };
      const es256 = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
      expect((await me(t, `Bearer ${es256}`)).json()).toMatchObject({ userId: 21 });
      // The algorithm-confusion attack: HS256 "signed" with the public key's text.
      const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(pem));
      expect((await me(t, `Bearer ${confused}`)).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('operatorFromRequest (for the /admin gate)', () => {
  const config = loadConfig({ ...JWT_ENV, LOG_LEVEL: 'silent' });
  const now = Date.parse('2026-11-22T10:00:00Z');
  const app = Fastify({ loggerInstance: pino({ level: 'silent' }) });
  // No database is touched: operator checks never create users.
  const identity = createIdentityService({
    auth: config.auth,
    clock: { now: () => now },
    sql: undefined as never,
  });
  const check = jwtOperatorCheck(identity);
  app.get('/admin/probe', async (request) => ({
    operator: await operatorFromRequest(identity, request),
    as: (await check(request))?.id ?? null,
  }));
  afterAll(() => app.close());

  const probe = async (authorization?: string) =>
    (
      await app.inject({
        method: 'GET',
        url: '/admin/probe',
        headers: authorization ? { authorization } : {},
      })
    ).json().operator;
  const sign = (claims: Record<string, unknown>, secret = JWT_SECRET) =>
    new SignJWT({
      iss: JWT_ENV.AUTH_JWT_ISSUER,
      aud: JWT_ENV.AUTH_JWT_AUDIENCE,
      exp: now / 1000 + 60,
      ...claims,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(Buffer.from(secret));

  it('is true only for a valid JWT whose roles include AUTH_ADMIN_ROLE', async () => {
    expect(await probe(`Bearer ${await sign({ sub: '1', roles: ['admin'] })}`)).toBe(true);
    expect(await probe(`Bearer ${await sign({ sub: 'ops-team', roles: 'viewer admin' })}`)).toBe(true);
    const answer = await app.inject({
      method: 'GET',
      url: '/admin/probe',
      headers: { authorization: `Bearer ${await sign({ sub: 'ops-team', roles: ['admin'] })}` },
    });
    expect(answer.json()).toEqual({ operator: true, as: 'jwt:ops-team' });
    const plain = await app.inject({
      method: 'GET',
      url: '/admin/probe',
      headers: { authorization: `Bearer ${await sign({ sub: '1' })}` },
    });
    expect(plain.json()).toEqual({ operator: false, as: null });
    expect(await probe(`Bearer ${await sign({ sub: '1', roles: ['viewer'] })}`)).toBe(false);
    expect(await probe(`Bearer ${await sign({ sub: '1' })}`)).toBe(false);
    expect(
      await probe(`Bearer ${await sign({ roles: ['admin'] }, 'wrong-secret-0123456789abcdefghij')}`),
    ).toBe(false);
    expect(await probe(`Bearer ${await sign({ roles: ['admin'], exp: now / 1000 - 3600 })}`)).toBe(false);
    expect(await probe('Bearer some-static-admin-token')).toBe(false);
    expect(await probe()).toBe(false);
  });

  it('is false in AUTH_MODE=none', async () => {
    const none = createIdentityService({
      auth: { mode: 'none' },
      clock: { now: () => now },
      sql: undefined as never,
    });
    const request = { headers: { authorization: `Bearer ${await sign({ roles: ['admin'] })}` } };
    expect(await operatorFromRequest(none, request as never)).toBe(false);
  });
});

describe('npm run token', () => {
  it('prints a JWT for the configured secret, user, roles and ttl', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/modules/identity/token-cli.ts',
        '--user',
        '42',
        '--role',
        'admin',
        '--ttl',
        '15m',
      ],
      { env: { PATH: process.env.PATH ?? '', ...JWT_ENV } },
    );
    const { payload } = await jwtVerify(stdout.trim(), Buffer.from(JWT_SECRET), {
      issuer: JWT_ENV.AUTH_JWT_ISSUER,
      audience: JWT_ENV.AUTH_JWT_AUDIENCE,
    });
    expect(payload).toMatchObject({ sub: '42', roles: ['admin'] });
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('refuses without a secret, naming what is missing', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/modules/identity/token-cli.ts', '--user', '1'],
      {
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('AUTH_JWT_SECRET') });
  });
});
