import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { charge, pay, reserve } from '../../helpers/requests.js';

type Request = InjectOptions;

describe('the /v1/api route set answers as the main one', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function same(main: Request, v1: Request) {
    const [a, b] = [await t.app.inject(main), await t.app.inject(v1)];
    expect(b.statusCode).toBe(a.statusCode);
    // Each request has its own id; everything else must match.
    expect({ ...b.json(), requestId: undefined }).toEqual({ ...a.json(), requestId: undefined });
    return b;
  }

  it('queue: issue and check', async () => {
    const issued = await same(
      { method: 'POST', url: '/waiting/issue', payload: { userId: 1 } },
      { method: 'POST', url: '/v1/api/queue/token', payload: { userId: 1 } },
    );
    expect(issued.headers['x-queue-position']).toBe('1');
    const headers = { 'x-queue-token': issued.json().token };
    await same(
      { method: 'GET', url: '/waiting/check', headers },
      { method: 'POST', url: '/v1/api/queue/token/check', headers },
    );
    await same(
      { method: 'GET', url: '/waiting/check' },
      { method: 'POST', url: '/v1/api/queue/token/check' },
    );
    await same(
      { method: 'POST', url: '/waiting/issue', payload: { userId: 0 } },
      { method: 'POST', url: '/v1/api/queue/token', payload: { userId: 0 } },
    );
  });

  it('concerts: schedules and seats, found or not', async () => {
    await same(
      { method: 'GET', url: '/concerts/1/schedules' },
      { method: 'GET', url: '/v1/api/concerts/schedule?concertId=1' },
    );
    await same(
      { method: 'GET', url: '/concerts/99/schedules' },
      { method: 'GET', url: '/v1/api/concerts/schedule?concertId=99' },
    );
    await same(
      { method: 'GET', url: '/concerts/1/schedules/2/seats' },
      { method: 'GET', url: '/v1/api/concerts/seat?concertId=1&scheduleId=2' },
    );
    await same(
      { method: 'GET', url: '/concerts/2/schedules/1/seats' },
      { method: 'GET', url: '/v1/api/concerts/seat?concertId=2&scheduleId=1' },
    );
  });

  it('user: balance and a charge, one idempotency key across both sets', async () => {
    const token = (await t.activate(5)).get(5)!;
    const headers = { 'x-queue-token': token };
    await same(
      { method: 'GET', url: '/users/5/amount', headers },
      { method: 'GET', url: '/v1/api/user/amount?userId=5', headers },
    );
    await same(
      { method: 'GET', url: '/users/5/amount' },
      { method: 'GET', url: '/v1/api/user/amount?userId=5' },
    );

    const key = randomUUID();
    const first = await charge(t, 5, 10_000, token, key);
    const v1 = await t.app.inject({
      method: 'POST',
      url: '/v1/api/user/amount',
      headers: { ...headers, 'idempotency-key': key },
      payload: { userId: 5, amount: 10_000 },
    });
    expect(v1.statusCode).toBe(200);
    expect(v1.headers['idempotent-replayed']).toBe('true'); // the same operation: a replay, not a second charge
    expect(v1.json()).toEqual(first.json());
    const tooSmall = await t.app.inject({
      method: 'POST',
      url: '/v1/api/user/amount',
      headers: { ...headers, 'idempotency-key': randomUUID() },
      payload: { userId: 5, amount: 10 },
    });
    expect(tooSmall.json().code).toBe((await charge(t, 5, 10, token)).json().code);
  });

  it('reservation and payment, one idempotency key across both sets', async () => {
    const token = (await t.activate(6)).get(6)!;
    const key = randomUUID();
    const body = { userId: 6, concertId: 1, scheduleId: 3, seatNumber: 9 };
    const v1 = await t.app.inject({
      method: 'POST',
      url: '/v1/api/concerts/reserve',
      headers: { 'x-queue-token': token, 'idempotency-key': key },
      payload: body,
    });
    expect(v1.statusCode).toBe(201);
    const main = await reserve(t, { ...body, token, key });
    expect(main.headers['idempotent-replayed']).toBe('true');
    expect(main.json()).toEqual(v1.json());

    await charge(t, 6, 30_000, token);
    const payKey = randomUUID();
    const paid = await t.app.inject({
      method: 'POST',
      url: '/v1/api/concerts/payment',
      headers: { 'x-queue-token': token, 'idempotency-key': payKey },
      payload: { reservationId: v1.json().reservationId, amount: 80_000 },
    });
    expect(paid.statusCode).toBe(201);
    expect(paid.json()).toMatchObject({ balanceAfter: 0, queueTokenExpired: true });
    const replay = await pay(t, v1.json().reservationId, 80_000, token, payKey);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(paid.json());
  });

  it('is documented in OpenAPI under its own tag', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/v1/api/queue/token',
      '/v1/api/queue/token/check',
      '/v1/api/user/amount',
      '/v1/api/concerts/schedule',
      '/v1/api/concerts/seat',
      '/v1/api/concerts/reserve',
      '/v1/api/concerts/payment',
    ]) {
      const operations = Object.values(doc.paths[path]) as { tags: string[] }[];
      expect(operations.every((op) => op.tags.includes('v1 (load-test plan routes)'))).toBe(true);
    }
  });
});
