import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function signingKey(kid: string, alg: SigningKey['alg']): SigningKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, ...pair };
}

/** A local identity provider's JWKS endpoint: serves the keys it is told, counts fetches. */
async function startKeyServer() {
  let published: SigningKey[] = [];
  let failing = false;
  let fetches = 0;
  const server = http.createServer(async (_request, response) => {
    fetches++;
    if (failing) {
      response.writeHead(500).end();
      return;
    }
    const keys = await Promise.all(
      published.map(async (key) => ({
        ...(await exportJWK(key.publicKey)),
        kid: key.kid,
        alg: key.alg,
        use: 'sig',
      })),
    );
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    publish: (...keys: SigningKey[]) => {
      published = keys;
    },
    fail: (value: boolean) => {
      failing = value;
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type KeyServer = Awaited<ReturnType<typeof startKeyServer>>;

describe('JWKS (AUTH_JWKS_URL)', () => {
  const k1 = signingKey('k1', 'RS256');
  const k2 = signingKey('k2', 'ES256');
  const k3 = signingKey('k3', 'RS256');
  let keys: KeyServer;
  beforeAll(async () => {
    keys = await startKeyServer();
  });
  afterAll(() => keys.close());

  const sign = (t: TestApp, key: SigningKey, sub: string) => {
    const iat = Math.floor(t.clock.now() / 1000);
    return new SignJWT({ sub, iss: 'https://id.example.test/', iat, exp: iat + 600 })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .sign(key.privateKey);
  };
  const me = async (t: TestApp, jwt: string) =>
    t.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${jwt}` } });

  it('caches the keys, picks up a rotated-in kid, drops a rotated-out one, and answers 503 while unreachable', async () => {
    const t = await createTestApp({
      env: {
        AUTH_MODE: 'jwt',
        AUTH_JWKS_URL: keys.url,
        AUTH_JWT_ISSUER: 'https://id.example.test/',
        AUTH_JWKS_COOLDOWN_SECONDS: '0',
      },
    });
    try {
      keys.publish(k1);
      const before = keys.fetches();
      for (let i = 0; i < 5; i++)
        expect((await me(t, await sign(t, k1, '31'))).json()).toMatchObject({ userId: 31 });
      expect(keys.fetches() - before).toBe(1); // one fetch, then verified locally

      keys.publish(k2); // rotation: k1 retired, k2 (ES256) in
      expect((await me(t, await sign(t, k2, '32'))).json()).toMatchObject({ userId: 32 });
      expect(keys.fetches() - before).toBe(2);
      // A retired key's tokens stop working once they leave the verified-token cache.
      t.clock.advance(61_000);
      const retired = await me(t, await sign(t, k1, '31'));
      expect(retired.statusCode).toBe(401);
      expect(retired.json().code).toBe('AUTH_TOKEN_INVALID');

      keys.fail(true);
      const down = await me(t, await sign(t, k3, '33'));
      expect(down.statusCode).toBe(503);
      expect(down.json().code).toBe('AUTH_KEYS_UNAVAILABLE');
      expect(down.headers['retry-after']).toBeDefined();
      expect((await me(t, await sign(t, k2, '32'))).statusCode).toBe(200); // known keys still verify
      keys.fail(false);
    } finally {
      await t.close();
    }
  });

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const t = await createTestApp({ env: { AUTH_MODE: 'jwt', AUTH_JWKS_URL: keys.url } });
    try {
      keys.publish(k1);
      const before = keys.fetches();
      expect((await me(t, await sign(t, k1, '41'))).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await me(t, await sign(t, k3, '41'))).statusCode).toBe(401);
      expect(keys.fetches() - before).toBe(1); // forged kids cannot make it fetch per request
    } finally {
      await t.close();
    }
  });

  it('refuses an algorithm left out of AUTH_JWT_ALGORITHMS even with a published key', async () => {
    const t = await createTestApp({
      env: {
        AUTH_MODE: 'jwt',
        AUTH_JWKS_URL: keys.url,
        AUTH_JWT_ALGORITHMS: 'RS256',
        AUTH_JWKS_COOLDOWN_SECONDS: '0',
      },
    });
    try {
      keys.publish(k1, k2);
      expect((await me(t, await sign(t, k1, '51'))).statusCode).toBe(200);
      expect((await me(t, await sign(t, k2, '51'))).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
