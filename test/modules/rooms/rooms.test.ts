import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { charge, pay, range, reserve } from '../../helpers/requests.js';
import { checkToken, issueFor } from '../../helpers/rooms.js';
import { storeKinds } from '../../helpers/stores.js';

const MINUTE = 60_000;

describe.each(storeKinds())('a waiting room per sale (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(() => t.close());
  const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();

  it('binds a sale room’s token to its concert: 403 QUEUE_TOKEN_WRONG_SALE elsewhere', async () => {
    const issued = await issueFor(t, 11, 1);
    expect(issued.statusCode).toBe(200);
    expect(issued.json()).toMatchObject({ status: 'WAITING', position: 1 });
    expect(issued.json().token.split('.')[1]).toMatch(/-c1$/);
    await t.tick();
    const token = (await checkToken(t, issued.json().token)).json().token as string;
    const own = await reserve(t, { userId: 11, token, concertId: 1, scheduleId: 1, seatNumber: 3 });
    expect(own.statusCode).toBe(201);
    const other = await reserve(t, { userId: 11, token, concertId: 2, scheduleId: 5, seatNumber: 3 });
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('QUEUE_TOKEN_WRONG_SALE');

    // A reservation of concert 2 (made through the default room) cannot be paid with the concert 1 token.
    const main = (await t.activate(11)).get(11)!;
    const held = await reserve(t, { userId: 11, token: main, concertId: 2, scheduleId: 5, seatNumber: 4 });
    expect(held.statusCode).toBe(201);
    await charge(t, 11, 100_000, main);
    const wrong = await pay(t, held.json().reservationId, held.json().price, token);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('QUEUE_TOKEN_WRONG_SALE');
    const released = await t.app.inject({
      method: 'DELETE',
      url: `/reservations/${held.json().reservationId}`,
      headers: { 'x-queue-token': token, 'idempotency-key': crypto.randomUUID() },
    });
    expect(released.json().code).toBe('QUEUE_TOKEN_WRONG_SALE');
    // The default room's token still admits to every sale, as before rooms.
    expect((await pay(t, held.json().reservationId, held.json().price, main)).statusCode).toBe(201);
  });

  it('refuses unknown concerts (404) and closed sales (403 SALE_CLOSED)', async () => {
    const unknown = await issueFor(t, 12, 999_999);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CONCERT_NOT_FOUND');
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 2, price: 10_000 }], {
      startsAt: at(60 * MINUTE),
      salesOpenAt: at(-30 * MINUTE),
      salesCloseAt: at(5 * MINUTE),
    });
    expect((await issueFor(t, 12, concertId)).json().status).toBe('WAITING');
    t.clock.advance(5 * MINUTE);
    const closed = await issueFor(t, 13, concertId);
    expect(closed.statusCode).toBe(403);
    expect(closed.json().code).toBe('SALE_CLOSED');
  });

  it('applies pause, rate and active cap per sale, audited and read back after a restart', async () => {
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 2, price: 10_000 }], {
      startsAt: at(600 * MINUTE),
      salesOpenAt: at(-MINUTE),
    });
    const set = await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: true });
    expect(set.json()).toMatchObject({ paused: true, admissionRatePerSecond: 0 });
    const fans = range(21, 6);
    const tokens = new Map<number, string>();
    for (const userId of fans) tokens.set(userId, (await issueFor(t, userId, concertId)).json().token);
    const active = async () => {
      let count = 0;
      for (const token of tokens.values()) if ((await checkToken(t, token)).json().active) count += 1;
      return count;
    };
    for (let i = 0; i < 3; i++) await t.tick();
    expect(await active()).toBe(0);
    await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: false, admitPerTick: 2, maxActive: 3 });
    await t.tick();
    expect(await active()).toBe(2);
    for (let i = 0; i < 3; i++) await t.tick();
    expect(await active()).toBe(3);
    // The default room is not affected by a sale's controls.
    expect((await t.activate(40)).size).toBe(1);

    const audit = await admin(t, 'GET', `/admin/audit?entity=concert&entityId=${concertId}`);
    const updates = audit.json().entries.filter((e: { action: string }) => e.action === 'sale.update');
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({ before: { paused: true }, after: { paused: false, admitPerTick: 2 } });
    const after = await admin(t, 'GET', `/admin/sales/${concertId}`);
    expect(after.json()).toMatchObject({
      paused: false,
      admitPerTick: 2,
      maxActive: 3,
      effectiveMaxActive: 3,
    });
  });
});
