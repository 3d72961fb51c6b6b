import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';

describe.each(storeKinds())('waiting queue API (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      store: kind,
      env: { QUEUE_ADMIT_PER_TICK: '2', QUEUE_ACTIVE_TTL_SECONDS: '120', QUEUE_IDLE_TIMEOUT_SECONDS: '30' },
    });
  });
  afterAll(() => t.close());

  const issue = (payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/waiting/issue', payload: payload as object });
  const check = (token?: string) =>
    t.app.inject({ method: 'GET', url: '/waiting/check', headers: token ? { 'x-queue-token': token } : {} });

  it('issues a signed token with position, expiry and the X-Queue-Position header', async () => {
    const response = await issue({ userId: 11 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ userId: 11, status: 'WAITING', active: false, estimatedWaitSeconds: null });
    expect(body.token).toMatch(/^11\./);
    expect(response.headers['x-queue-position']).toBe(String(body.position));
    expect(Date.parse(body.expiresAt)).toBe(t.clock.now() + 30_000);
    const again = await issue({ userId: 11 });
    expect(again.json()).toMatchObject({ token: body.token, position: body.position });
  });

  it.each([
    ['zero', { userId: 0 }],
    ['negative', { userId: -3 }],
    ['a string', { userId: '5' }],
    ['a fraction', { userId: 1.5 }],
    ['null', { userId: null }],
    ['missing', {}],
    ['too large', { userId: 2 ** 60 }],
  ])('answers 400 problem+json for a userId that is %s', async (_, payload) => {
    const response = await issue(payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request' });
  });

  it('answers 404 for a user that does not exist', async () => {
    const response = await issue({ userId: 999_999 });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('USER_NOT_FOUND');
  });

  it('answers 401 for a missing, malformed, forged or expired token', async () => {
    const { token } = (await issue({ userId: 12 })).json();
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherUser = token.replace(/^12\./, '13.');
    for (const [bad, code] of [
      [undefined, 'QUEUE_TOKEN_MISSING'],
      ['garbage', 'QUEUE_TOKEN_INVALID'],
      [forged, 'QUEUE_TOKEN_INVALID'],
      [otherUser, 'QUEUE_TOKEN_INVALID'],
    ] as const) {
      const response = await check(bad);
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe(code);
    }
    t.clock.advance(31_000); // silent past the idle timeout
    const expired = await check(token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('QUEUE_TOKEN_EXPIRED');
  });

  it('lowers the ETA as users are admitted; null before any admission', async () => {
    const users = [21, 22, 23, 24, 25, 26];
    const tokens = [];
    for (const userId of users) tokens.push((await issue({ userId })).json().token as string);
    const last = tokens.at(-1)!;
    const before = (await check(last)).json();
    expect(before.estimatedWaitSeconds).toBeNull();
    await t.tick();
    const after1 = (await check(last)).json();
    await t.tick();
    const after2 = (await check(last)).json();
    expect(after1.position).toBeGreaterThan(after2.position);
    expect(after1.estimatedWaitSeconds).toBeGreaterThan(after2.estimatedWaitSeconds);
    expect(after2.estimatedWaitSeconds).toBeGreaterThan(0);
    expect(after2.refreshAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('reports an admitted user as active, then 401 once the active time is over', async () => {
    const { token } = (await issue({ userId: 31 })).json();
    for (let i = 0; i < 10 && !(await check(token)).json().active; i++) await t.tick();
    const active = (await check(token)).json();
    expect(active).toMatchObject({ status: 'ACTIVE', active: true, position: 0, estimatedWaitSeconds: 0 });
    // The token of the admission carries its expiry; checking with it gives that same token back.
    expect(active.token).not.toBe(token);
    const again = (await check(active.token)).json();
    expect(again).toMatchObject({ status: 'ACTIVE', token: active.token, expiresAt: active.expiresAt });
    t.clock.advance(121_000);
    expect((await check(token)).statusCode).toBe(401);
    expect((await check(active.token)).statusCode).toBe(401);
  });

  it("moves a waiter's expiry with every check", async () => {
    const { token } = (await issue({ userId: 41 })).json();
    for (const step of [0, 1, 1_000, 0]) {
      t.clock.advance(step);
      const body = (await check(token)).json();
      expect(body.status).toBe('WAITING');
      expect(Date.parse(body.expiresAt)).toBe(t.clock.now() + 30_000);
    }
  });
});
