import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scrape, valueIn } from '../helpers/metrics.js';
import { issueFor } from '../helpers/rooms.js';
import { storeKinds } from '../helpers/stores.js';

const MINUTE = 60_000;

describe.each(storeKinds())('queue metrics per room (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      store: kind,
      env: { ADMIN_TOKEN, QUEUE_MAX_ACTIVE: '2', QUEUE_ACTIVE_TTL_SECONDS: '3600' },
    });
  });
  afterAll(() => t.close());

  it('shows each sale room’s pre-queue, then its waiting and active users and admission rate', async () => {
    const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 10, price: 10_000 }], {
      startsAt: at(24 * 60 * MINUTE),
      salesOpenAt: at(5 * MINUTE),
    });
    const room = `${t.config.queueName}-c${concertId}`;
    for (const userId of [41, 42, 43, 44, 45])
      expect((await issueFor(t, userId, concertId)).json().status).toBe('PRE_QUEUE');
    await t.tick();
    let samples = await scrape(t);
    expect(valueIn(samples, 'stagedoor_queue_prequeue_users', { room })).toBe(5);
    expect(valueIn(samples, 'stagedoor_queue_prequeue_users', { room: t.config.queueName })).toBe(0);

    // The opening: drawn into the line, two admitted (QUEUE_MAX_ACTIVE), three waiting.
    t.clock.advance(5 * MINUTE);
    await t.tick(); // the draw
    await t.tick(); // the first admission
    samples = await scrape(t);
    expect(valueIn(samples, 'stagedoor_queue_prequeue_users', { room })).toBe(0);
    expect(valueIn(samples, 'stagedoor_queue_active_users', { room })).toBe(2);
    expect(valueIn(samples, 'stagedoor_queue_waiting_users', { room })).toBe(3);
    expect(valueIn(samples, 'stagedoor_queue_admitted_total', { room })).toBe(2);
    expect(valueIn(samples, 'stagedoor_queue_admission_rate_users_per_second', { room })).toBeCloseTo(2 / 60);
    // The default room is its own series, untouched by the sale.
    expect(valueIn(samples, 'stagedoor_queue_active_users', { room: t.config.queueName })).toBe(0);
    expect(valueIn(samples, 'stagedoor_queue_paused', { room })).toBe(0);

    // The operator pauses the sale: the gauge says so from the next tick on (the alert reads it).
    const paused = await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: true });
    expect(paused.statusCode).toBe(200);
    await t.tick();
    samples = await scrape(t);
    expect(valueIn(samples, 'stagedoor_queue_paused', { room })).toBe(1);
    expect(valueIn(samples, 'stagedoor_queue_paused', { room: t.config.queueName })).toBe(0);
  });
});
