import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('queue gate (on GET /users/{userId}/amount)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { QUEUE_ADMIT_PER_TICK: '1' } });
  });
  afterAll(() => t.close());

  const amount = (userId: number, token?: string) =>
    t.app.inject({
      method: 'GET',
      url: `/users/${userId}/amount`,
      headers: token ? { 'x-queue-token': token } : {},
    });

  it('lets an active user through and keeps the others out with the right status', async () => {
    const first = (
      await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 41 } })
    ).json();
    const second = (
      await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 42 } })
    ).json();
    await t.tick(); // admits 41 only

    expect((await amount(41)).statusCode).toBe(401);
    expect((await amount(41, 'not-a-token')).statusCode).toBe(401);

    const waiting = await amount(42, second.token);
    expect(waiting.statusCode).toBe(403);
    expect(waiting.json().code).toBe('QUEUE_NOT_ACTIVE');

    const mismatch = await amount(42, first.token);
    expect(mismatch.statusCode).toBe(403);
    expect(mismatch.json().code).toBe('QUEUE_TOKEN_USER_MISMATCH');

    const ok = await amount(41, first.token);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ userId: 41, amount: 50_000 });
  });
});
