import { afterEach, describe, expect, it } from 'vitest';
import { RedisQueueStore } from '../../../src/modules/queue/redis-queue-store.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { balance, pay, reserve } from '../../helpers/requests.js';
import {
  createTestDatabase,
  redisClient,
  redisClusterClient,
  storeKinds,
  testRoom,
} from '../../helpers/stores.js';

const ENV = { QUEUE_ADMIT_PER_TICK: '2', QUEUE_ACTIVE_TTL_SECONDS: '600', QUEUE_IDLE_TIMEOUT_SECONDS: '60' };

async function issue(t: TestApp, userId: number, token?: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/waiting/issue',
    payload: { userId },
    headers: token ? { 'x-queue-token': token } : {},
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ token: string; position: number; status: string }>();
}

async function check(t: TestApp, token: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: '/waiting/check',
    headers: { 'x-queue-token': token },
  });
  return { statusCode: response.statusCode, body: response.json() };
}

/**
 * "The token carries the place": after the queue store loses everything — the
 * memory store with its process, or Redis restarted empty under a live process —
 * admitted users stay admitted, waiters keep their place in order, new arrivals
 * queue behind them, and a paid token stays dead (its revocation is in PostgreSQL).
 */
describe.each(storeKinds())('store loss (%s)', (kind) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  it('loses no one: admissions, places, FIFO and revocations survive', async () => {
    const database = await createTestDatabase();
    const room = testRoom();
    const before = await createTestApp({ store: kind, env: ENV, database, queueName: room });
    apps.push(before);
    const tokens = new Map<number, string>();
    for (const userId of [101, 102, 103, 104, 105, 106])
      tokens.set(userId, (await issue(before, userId)).token);
    await before.tick(); // admits 101, 102
    const admitted = await check(before, tokens.get(101)!);
    expect(admitted.body).toMatchObject({ status: 'ACTIVE' });
    const activeToken = admitted.body.token as string;
    // 102 pays: the payment ends its token.
    const held = await reserve(before, {
      userId: 102,
      token: tokens.get(102)!,
      scheduleId: 2,
      seatNumber: 9,
    });
    expect(held.statusCode).toBe(201);
    const price = held.json().price as number;
    await before.app.inject({
      method: 'PATCH',
      url: '/users/102/charge',
      headers: { 'idempotency-key': 'c-102', 'x-queue-token': tokens.get(102)! },
      payload: { amount: price },
    });
    expect((await pay(before, held.json().reservationId, price, tokens.get(102)!)).statusCode).toBe(201);
    for (const userId of [103, 104, 105, 106])
      expect((await check(before, tokens.get(userId)!)).statusCode).toBe(200);

    // The loss.
    let after = before;
    if (kind === 'memory') {
      before.clock.advance(5000);
      after = await createTestApp({
        store: kind,
        env: ENV,
        database,
        queueName: room,
        startAt: before.clock.now(),
      });
      apps.push(after);
    } else {
      const redis = kind === 'redis' ? redisClient() : redisClusterClient();
      await redis.del(...RedisQueueStore.keys(room));
      await redis.quit();
      before.clock.advance(5000);
    }
    // Answered from the tokens at once, before any tick: the admitted user passes the gate.
    expect((await balance(after, 101, activeToken)).statusCode).toBe(200);
    if (kind !== 'memory') expect((await balance(after, 101, tokens.get(101)!)).statusCode).toBe(200);
    // The paid token never passes; a fresh process knows it is dead once it read PostgreSQL (its first tick).
    expect((await balance(after, 102, tokens.get(102)!)).statusCode).toBe(kind === 'memory' ? 403 : 401);
    const waiting = await check(after, tokens.get(104)!);
    expect(waiting).toMatchObject({ statusCode: 200, body: { status: 'WAITING' } });
    // Issuing again with the admitted token keeps the admission, store or no store.
    expect(await issue(after, 101, activeToken)).toMatchObject({ status: 'ACTIVE' });
    // Waiter 103 comes back through issue with its token: same place, not a new one at the back.
    const back = await issue(after, 103, tokens.get(103)!);
    expect(back.token).toBe(tokens.get(103));
    // A newcomer queues behind everyone who arrived before it.
    const late = await issue(after, 107);
    await after.tick(); // the tick's liveness flush puts 104 back at its signed place; admits two
    expect((await check(after, tokens.get(102)!)).statusCode).toBe(401);
    await check(after, tokens.get(105)!);
    await check(after, tokens.get(106)!);
    await check(after, late.token);
    await after.tick();
    await after.tick();
    const states = [];
    for (const userId of [103, 104, 105, 106])
      states.push((await check(after, tokens.get(userId)!)).body.status);
    expect(states).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect((await check(after, late.token)).body.status).toBe('ACTIVE');
    // The paid token stays dead, also for a fresh process that learns it from PostgreSQL.
    const fresh = await createTestApp({
      store: kind,
      env: ENV,
      database,
      queueName: room,
      startAt: after.clock.now(),
    });
    apps.push(fresh);
    await fresh.tick();
    expect((await check(fresh, tokens.get(102)!)).statusCode).toBe(401);
    expect((await balance(fresh, 101, activeToken)).statusCode).toBe(200);
  });

  it('answers checks and the gate without a store call', async () => {
    const t = await createTestApp({ store: kind, env: ENV });
    apps.push(t);
    const tokens: string[] = [];
    for (let userId = 201; userId <= 220; userId++) tokens.push((await issue(t, userId)).token);
    await t.tick();
    const calls: string[] = [];
    for (const name of ['issue', 'touch', 'admit', 'view', 'expire', 'lastSeen'] as const) {
      const original = t.store[name].bind(t.store) as (...args: unknown[]) => Promise<unknown>;
      Object.assign(t.store, {
        [name]: (...args: unknown[]) => {
          calls.push(name);
          return original(...args);
        },
      });
    }
    for (let round = 0; round < 5; round++) {
      for (const token of tokens) expect((await check(t, token)).statusCode).toBe(200);
      expect((await balance(t, 201, tokens[0])).statusCode).toBe(200);
      expect((await balance(t, 203, tokens[2])).statusCode).toBe(403);
    }
    expect(calls).toEqual([]);
    await t.tick();
    expect(calls).toEqual(['touch', 'admit', 'view']);
  });
});
