import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scrape, valueIn } from '../helpers/metrics.js';
import { storeKinds } from '../helpers/stores.js';

const issue = (t: TestApp, userId: number, remoteAddress = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId }, remoteAddress });

function expectLimited(response: Awaited<ReturnType<typeof issue>>, limit: number) {
  expect(response.statusCode).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(response.headers['ratelimit-limit']).toBe(String(limit));
  expect(response.headers['ratelimit-remaining']).toBe('0');
  expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
}

describe.each(storeKinds())('rate limits (%s store)', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      store,
      env: { RATE_LIMIT_ISSUE_PER_MINUTE: '3', RATE_LIMIT_WRITE_PER_MINUTE: '2' },
    });
  });
  afterAll(() => t.close());

  it('limits joining the queue per client IP, with the RateLimit headers', async () => {
    const ip = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const remaining: string[] = [];
    for (const userId of [1, 2, 3]) {
      const response = await issue(t, userId, ip);
      expect(response.statusCode).toBe(200);
      remaining.push(String(response.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expectLimited(await issue(t, 4, ip), 3);
    // Another client is not affected; routes without a limit carry no headers.
    expect((await issue(t, 4, `${ip}9`)).statusCode).toBe(200);
    const concerts = await t.app.inject({ method: 'GET', url: '/concerts', remoteAddress: ip });
    expect(concerts.statusCode).toBe(200);
    expect(concerts.headers['ratelimit-limit']).toBeUndefined();
    expect(valueIn(await scrape(t), 'stagedoor_http_rate_limited_total', { route: '/waiting/issue' })).toBe(
      1,
    );
  });

  it('limits writes per user when the queue token proves the user', async () => {
    // An address of this test's own: the Redis counters are shared by the whole test run.
    const ip = `10.2.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const tokens = new Map<number, string>();
    for (const userId of [11, 12])
      tokens.set(userId, (await issue(t, userId, ip)).json<{ token: string }>().token);
    await t.tick();
    const charges = [];
    for (let i = 0; i < 3; i++) {
      charges.push(
        await t.app.inject({
          method: 'PATCH',
          url: '/users/11/charge',
          headers: { 'idempotency-key': randomUUID(), 'x-queue-token': tokens.get(11)! },
          payload: { amount: 1000 },
          remoteAddress: ip,
        }),
      );
    }
    expect(charges.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expectLimited(charges[2]!, 2);
    // User 12 on the same address has a budget of their own.
    const other = await t.app.inject({
      method: 'PATCH',
      url: '/users/12/charge',
      headers: { 'idempotency-key': randomUUID(), 'x-queue-token': tokens.get(12)! },
      payload: { amount: 1000 },
      remoteAddress: ip,
    });
    expect(other.statusCode).toBe(200);
  });
});

describe('the OpenAPI document with limits and shedding on', () => {
  it('lists 429 on the limited routes and 503 on every API route', async () => {
    const t = await createTestApp({
      env: { RATE_LIMIT_ISSUE_PER_MINUTE: '5', RATE_LIMIT_WRITE_PER_MINUTE: '5' },
    });
    try {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      }>();
      const statuses = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses);
      for (const [path, method] of [
        ['/waiting/issue', 'post'],
        ['/reservations', 'post'],
        ['/users/{userId}/charge', 'patch'],
        ['/payments', 'post'],
        ['/v1/api/concerts/payment', 'post'],
      ] as const)
        expect(statuses(path, method)).toEqual(expect.arrayContaining(['429', '503']));
      expect(statuses('/waiting/check', 'get')).not.toContain('429');
      expect(statuses('/waiting/check', 'get')).toContain('503');
      expect(statuses('/health', 'get')).not.toContain('503');
    } finally {
      await t.close();
    }
  });
});

describe('rate limits set to 0', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_ISSUE_PER_MINUTE: '0', RATE_LIMIT_WRITE_PER_MINUTE: '0' } });
  });
  afterAll(() => t.close());

  it('are off', async () => {
    for (let userId = 1; userId <= 30; userId++) {
      const response = await issue(t, userId);
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});

// Two apps (as two processes) on one Redis: they share the counters.
describe.skipIf(!inject('redisUrl'))('rate limits across processes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_ISSUE_PER_MINUTE: '2' };
    a = await createTestApp({ store: 'redis', env });
    b = await createTestApp({ store: 'redis', env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('counts one client’s requests to every process together', async () => {
    const ip = `10.3.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    expect((await issue(a, 1, ip)).statusCode).toBe(200);
    expect((await issue(b, 2, ip)).statusCode).toBe(200);
    expectLimited(await issue(a, 3, ip), 2);
    expectLimited(await issue(b, 3, ip), 2);
  });
});
