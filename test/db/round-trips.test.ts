import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEAT_PRICE } from '../../src/db/seed.js';
import { inFlightLockName } from '../../src/http/idempotency.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { charge, pay, reserve, seatMap } from '../helpers/requests.js';
import { buy, refund, release, salesInvariantViolations } from '../helpers/sales.js';
import { storeKinds } from '../helpers/stores.js';

/**
 * Issue 16: hold, payment, charge, release and refund cost one round trip to PostgreSQL
 * per request, whatever the answer. Counted at the client: exactly one statement and no
 * transaction (no BEGIN/COMMIT) is one round trip.
 */
describe.each(storeKinds())('one round trip per money or seat operation (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(t.database)).toEqual([]);
    await t.close();
  });

  /** The response, and the statements and transactions the app sent while answering it. */
  async function counted(request: () => Promise<LightMyRequestResponse>) {
    const statements = t.database.queryCount();
    const transactions = t.database.transactionCount();
    const response = await request();
    return {
      status: response.statusCode,
      code: response.json<{ code?: string }>().code,
      body: response.json(),
      replayed: response.headers['idempotent-replayed'] === 'true',
      statements: t.database.queryCount() - statements,
      transactions: t.database.transactionCount() - transactions,
    };
  }

  const oneTrip = { statements: 1, transactions: 0 };

  it('holds: new, replayed, reused key, in flight, taken, no such seat, limit reached, sale not open', async () => {
    const tokens = await t.activate(301, 302);
    const token = tokens.get(301)!;
    await seatMap(t, 1, 1); // the seat-map cache is warm, as it is after the first request of a sale
    const key = randomUUID();
    const held = await counted(() => reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 21, key }));
    expect(held).toMatchObject({ status: 201, ...oneTrip });
    const replay = await counted(() =>
      reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 21, key }),
    );
    expect(replay).toMatchObject({ status: 201, replayed: true, body: held.body, ...oneTrip });
    const reused = await counted(() =>
      reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 22, key }),
    );
    expect(reused).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', ...oneTrip });

    const inFlightKey = randomUUID();
    const blocker = await t.database.sql.reserve();
    try {
      await blocker`SELECT pg_advisory_lock(hashtextextended(${inFlightLockName({ userId: 301, operation: 'reserve', key: inFlightKey })}, 0))`;
      const inFlight = await counted(() =>
        reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 23, key: inFlightKey }),
      );
      expect(inFlight).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', ...oneTrip });
      await blocker`SELECT pg_advisory_unlock_all()`;
    } finally {
      blocker.release();
    }

    // Taken, as the cache knows (refused early: the one statement looks for a replay) ...
    const taken = await counted(() =>
      reserve(t, { userId: 302, token: tokens.get(302), scheduleId: 1, seatNumber: 21 }),
    );
    expect(taken).toMatchObject({ status: 409, code: 'SEAT_UNAVAILABLE', ...oneTrip });
    // ... and taken behind the cache's back (another process's hold): the hold function refuses.
    await t.database.sql`
      UPDATE seats SET status = 'RESERVED', reservation_id = (SELECT id FROM reservations LIMIT 1)
      WHERE schedule_id = 1 AND seat_number = 30`;
    const racing = await counted(() =>
      reserve(t, { userId: 302, token: tokens.get(302), scheduleId: 1, seatNumber: 30 }),
    );
    expect(racing).toMatchObject({ status: 409, code: 'SEAT_UNAVAILABLE', ...oneTrip });
    await t.database.sql`
      UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL WHERE schedule_id = 1 AND seat_number = 30`;
    await seatMap(t, 1, 1); // the refusal dropped the outdated map: the next request of a sale reloads it

    const noSeat = await counted(() => reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 51 }));
    expect(noSeat).toMatchObject({ status: 404, code: 'SEAT_NOT_FOUND', ...oneTrip });

    for (const seatNumber of [24, 25, 26]) {
      expect((await reserve(t, { userId: 301, token, scheduleId: 1, seatNumber })).statusCode).toBe(201);
    }
    const limit = await counted(() => reserve(t, { userId: 301, token, scheduleId: 1, seatNumber: 27 }));
    expect(limit).toMatchObject({ status: 409, code: 'TICKET_LIMIT_REACHED', ...oneTrip });

    // A sale that has not opened, unknown to the loaded map: the hold function's window check refuses.
    await seatMap(t, 1, 2);
    await t.database.sql`
      UPDATE schedules SET sales_open_at = '2026-11-22T12:00:00Z', sales_close_at = '2026-11-22T13:00:00Z'
      WHERE id = 2`;
    const notOpen = await counted(() =>
      reserve(t, { userId: 302, token: tokens.get(302), scheduleId: 2, seatNumber: 1 }),
    );
    expect(notOpen).toMatchObject({ status: 403, code: 'SALE_NOT_OPEN', ...oneTrip });
    await t.database.sql`UPDATE schedules SET sales_open_at = NULL, sales_close_at = NULL WHERE id = 2`;
  });

  it('payments: paid, replayed, short of money, wrong amount, unknown, another user’s, already paid, lapsed', async () => {
    const tokens = await t.activate(311, 312);
    const token = tokens.get(311)!;
    await seatMap(t, 1, 3);
    const hold = async (userId: number, seatNumber: number) =>
      (await reserve(t, { userId, token: tokens.get(userId), scheduleId: 3, seatNumber })).json<{
        reservationId: string;
      }>().reservationId;
    const first = await hold(311, 1);
    const short = await counted(() => pay(t, first, SEAT_PRICE, token));
    // 50,000 won opening balance against 80,000: refused after the seat and reservation changed, undone.
    expect(short).toMatchObject({ status: 402, code: 'INSUFFICIENT_BALANCE', ...oneTrip });
    const wrong = await counted(() => pay(t, first, SEAT_PRICE - 1, token));
    expect(wrong).toMatchObject({ status: 400, code: 'PAYMENT_AMOUNT_MISMATCH', ...oneTrip });
    const unknown = await counted(() => pay(t, randomUUID(), SEAT_PRICE, token));
    expect(unknown).toMatchObject({ status: 404, code: 'RESERVATION_NOT_FOUND', ...oneTrip });
    const othersHold = await hold(312, 2);
    const others = await counted(() => pay(t, othersHold, SEAT_PRICE, token));
    expect(others).toMatchObject({ status: 403, code: 'RESERVATION_OF_ANOTHER_USER', ...oneTrip });

    expect((await charge(t, 311, 100_000, token)).statusCode).toBe(200);
    const key = randomUUID();
    const paid = await counted(() => pay(t, first, SEAT_PRICE, token, key));
    expect(paid).toMatchObject({ status: 201, ...oneTrip });
    const replay = await counted(() => pay(t, first, SEAT_PRICE, token, key));
    expect(replay).toMatchObject({ status: 201, replayed: true, body: paid.body, ...oneTrip });
    const fresh = (await t.activate(311)).get(311)!; // the payment expired the first token
    const again = await counted(() => pay(t, first, SEAT_PRICE, fresh));
    expect(again).toMatchObject({ status: 409, code: 'RESERVATION_ALREADY_CONFIRMED', ...oneTrip });

    const token312 = tokens.get(312)!;
    await charge(t, 312, 100_000, token312);
    const later = await hold(312, 3);
    t.clock.advance(t.config.holdSeconds * 1000);
    const lapsed = await counted(() => pay(t, later, SEAT_PRICE, token312));
    expect(lapsed).toMatchObject({ status: 404, code: 'RESERVATION_EXPIRED', ...oneTrip });
  });

  it('charges: charged, replayed, reused key, over the monthly limit', async () => {
    const token = (await t.activate(321)).get(321)!;
    const key = randomUUID();
    const charged = await counted(() => charge(t, 321, 1_000_000, token, key));
    expect(charged).toMatchObject({ status: 200, ...oneTrip });
    const replay = await counted(() => charge(t, 321, 1_000_000, token, key));
    expect(replay).toMatchObject({ status: 200, replayed: true, body: charged.body, ...oneTrip });
    const reused = await counted(() => charge(t, 321, 2_000, token, key));
    expect(reused).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', ...oneTrip });
    await charge(t, 321, 1_000_000, token);
    await charge(t, 321, 1_000_000, token);
    const over = await counted(() => charge(t, 321, 1_000, token));
    // Refused after the balance and ledger row were written: undone with the refusal.
    expect(over).toMatchObject({ status: 400, code: 'MONTHLY_CHARGE_LIMIT_EXCEEDED', ...oneTrip });
  });

  it('releases and refunds: done, replayed, unknown, another user’s, not held, not paid, refunded', async () => {
    const tokens = await t.activate(331, 332);
    const token = tokens.get(331)!;
    await seatMap(t, 1, 4);
    const held = (await reserve(t, { userId: 331, token, scheduleId: 4, seatNumber: 1 })).json()
      .reservationId;
    const others = await counted(() => release(t, held, tokens.get(332)));
    expect(others).toMatchObject({ status: 403, code: 'RESERVATION_OF_ANOTHER_USER', ...oneTrip });
    const notPaid = await counted(() => refund(t, held, token));
    expect(notPaid).toMatchObject({ status: 409, code: 'RESERVATION_NOT_CONFIRMED', ...oneTrip });
    const key = randomUUID();
    const released = await counted(() => release(t, held, token, key));
    expect(released).toMatchObject({ status: 200, ...oneTrip });
    expect((await counted(() => release(t, held, token, key))).replayed).toBe(true);
    const notHeld = await counted(() => release(t, held, token));
    expect(notHeld).toMatchObject({ status: 409, code: 'RESERVATION_NOT_HELD', ...oneTrip });
    const unknown = await counted(() => release(t, randomUUID(), token));
    expect(unknown).toMatchObject({ status: 404, code: 'RESERVATION_NOT_FOUND', ...oneTrip });

    const bought = await buy(t, 332, 4, 2);
    const confirmed = await counted(() => release(t, bought.reservationId, bought.token));
    expect(confirmed).toMatchObject({ status: 409, code: 'RESERVATION_ALREADY_CONFIRMED', ...oneTrip });
    const refundKey = randomUUID();
    const refunded = await counted(() => refund(t, bought.reservationId, bought.token, refundKey));
    expect(refunded).toMatchObject({ status: 200, ...oneTrip });
    const replay = await counted(() => refund(t, bought.reservationId, bought.token, refundKey));
    expect(replay).toMatchObject({ status: 200, replayed: true, body: refunded.body, ...oneTrip });
    const twice = await counted(() => refund(t, bought.reservationId, bought.token));
    expect(twice).toMatchObject({ status: 409, code: 'ALREADY_REFUNDED', ...oneTrip });
    const unknownRefund = await counted(() => refund(t, randomUUID(), token));
    expect(unknownRefund).toMatchObject({ status: 404, code: 'RESERVATION_NOT_FOUND', ...oneTrip });
  });
});
