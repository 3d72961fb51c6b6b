import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range } from '../../helpers/requests.js';
import { checkToken, issueFor } from '../../helpers/rooms.js';
import { storeKinds, testRoom } from '../../helpers/stores.js';

const MINUTE = 60_000;

describe.each(storeKinds())('sale controls across processes and restarts (%s store)', (kind) => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const queueName = testRoom();
    const env = { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' };
    first = await createTestApp({ store: kind, env, queueName });
    // Another process on the same database (and, with Redis, the same queue); with the memory store
    // it is what a restart looks like: nothing but PostgreSQL carried over.
    second = await createTestApp({ store: kind, env, queueName, database: first.database });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('a pause set through one process holds in the other from its next tick, until resumed', async () => {
    const at = (ms: number) => new Date(first.clock.now() + ms).toISOString();
    const { concertId } = await createSale(first, [{ name: 'A', seatCount: 2, price: 10_000 }], {
      startsAt: at(600 * MINUTE),
      salesOpenAt: at(-MINUTE),
    });
    expect((await admin(first, 'PATCH', `/admin/sales/${concertId}`, { paused: true })).statusCode).toBe(200);
    const tokens = [];
    for (const userId of range(51, 4)) tokens.push((await issueFor(second, userId, concertId)).json().token);
    for (let i = 0; i < 3; i++) await second.tick();
    for (const token of tokens) expect((await checkToken(second, token)).json().active).toBe(false);
    await admin(first, 'PATCH', `/admin/sales/${concertId}`, { paused: false, admitPerTick: 3 });
    await second.tick();
    const active = [];
    for (const token of tokens) active.push((await checkToken(second, token)).json().active);
    expect(active).toEqual([true, true, true, false]);
  });
});
