import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { balance, reserve, seatMap } from '../../helpers/requests.js';
import { buy, refund, release, salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

describe.each(storeKinds())('release and refund (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(t.database)).toEqual([]);
    await t.close();
  });

  const seatStatus = async (scheduleId: number, seatNumber: number) =>
    (await seatMap(t, 1, scheduleId)).json().seats[seatNumber - 1].status as string;

  it('releases its own hold: RELEASED, the seat AVAILABLE at once, and another user can hold it', async () => {
    const tokens = await t.activate(101, 102);
    const held = await reserve(t, { userId: 101, token: tokens.get(101), scheduleId: 3, seatNumber: 4 });
    const { reservationId } = held.json();
    expect(await seatStatus(3, 4)).toBe('TEMP_RESERVED'); // the map is cached now
    const key = randomUUID();
    const released = await release(t, reservationId, tokens.get(101), key);
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ reservationId, status: 'RELEASED', seatNumber: 4 });
    expect(await seatStatus(3, 4)).toBe('AVAILABLE');
    const read = await t.app.inject({ method: 'GET', url: `/reservations/${reservationId}` });
    expect(read.json().status).toBe('RELEASED');

    const replay = await release(t, reservationId, tokens.get(101), key);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const again = await release(t, reservationId, tokens.get(101));
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('RESERVATION_NOT_HELD');

    const next = await reserve(t, { userId: 102, token: tokens.get(102), scheduleId: 3, seatNumber: 4 });
    expect(next.statusCode).toBe(201);
  });

  it('refuses to release another user’s hold (403), an unknown one (404) and a paid one (409)', async () => {
    const tokens = await t.activate(103, 104);
    const held = await reserve(t, { userId: 103, token: tokens.get(103), scheduleId: 3, seatNumber: 5 });
    const { reservationId } = held.json();
    const other = await release(t, reservationId, tokens.get(104));
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('RESERVATION_OF_ANOTHER_USER');
    expect(await seatStatus(3, 5)).toBe('TEMP_RESERVED');
    const unknown = await release(t, randomUUID(), tokens.get(103));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('RESERVATION_NOT_FOUND');

    const bought = await buy(t, 105, 3, 6);
    const paid = await release(t, bought.reservationId, bought.token);
    expect(paid.statusCode).toBe(409);
    expect(paid.json().code).toBe('RESERVATION_ALREADY_CONFIRMED');
    expect(await seatStatus(3, 6)).toBe('RESERVED');
  });

  it('needs an Idempotency-Key and an authentic token', async () => {
    const noKey = await t.app.inject({ method: 'DELETE', url: `/reservations/${randomUUID()}` });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const noToken = await release(t, randomUUID());
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json().code).toBe('QUEUE_TOKEN_MISSING');
    const forged = await refund(t, randomUUID(), '1.abc.def');
    expect(forged.statusCode).toBe(401);
    expect(forged.json().code).toBe('QUEUE_TOKEN_INVALID');
  });

  it('refunds a paid seat once, with the token the payment expired: REFUND row, balance back, seat on sale', async () => {
    const { token, reservationId, price } = await buy(t, 110, 4, 1);
    const key = randomUUID();
    const refunded = await refund(t, reservationId, token, key);
    expect(refunded.statusCode).toBe(200);
    expect(refunded.json()).toMatchObject({
      reservationId,
      status: 'REFUNDED',
      refunded: price,
      balanceAfter: 150_000,
    });
    expect(await seatStatus(4, 1)).toBe('AVAILABLE');
    const read = await t.app.inject({ method: 'GET', url: `/reservations/${reservationId}` });
    expect(read.json().status).toBe('REFUNDED');
    const [row] = await t.database.sql<{ balance: number; refunds: number; refundedAt: Date | null }[]>`
      SELECT u.balance,
             (SELECT count(*)::int FROM ledger_entries WHERE user_id = 110 AND kind = 'REFUND') AS refunds,
             (SELECT refunded_at FROM payments WHERE reservation_id = ${reservationId}) AS "refundedAt"
      FROM users u WHERE u.id = 110`;
    expect(row).toMatchObject({ balance: 150_000, refunds: 1 });
    expect(row!.refundedAt).not.toBeNull();

    const replay = await refund(t, reservationId, token, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const second = await refund(t, reservationId, token);
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('ALREADY_REFUNDED');

    // The seat is back on sale: someone else buys it.
    const again = await buy(t, 111, 4, 1);
    expect(again.reservationId).not.toBe(reservationId);
    expect(await seatStatus(4, 1)).toBe('RESERVED');
  });

  it('refuses a refund of a hold, of another user’s seat and after the show has started', async () => {
    const tokens = await t.activate(112);
    const held = await reserve(t, { userId: 112, token: tokens.get(112), scheduleId: 4, seatNumber: 2 });
    const notPaid = await refund(t, held.json().reservationId, tokens.get(112));
    expect(notPaid.statusCode).toBe(409);
    expect(notPaid.json().code).toBe('RESERVATION_NOT_CONFIRMED');

    const { token, reservationId } = await buy(t, 113, 4, 3);
    const other = await refund(t, reservationId, tokens.get(112));
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('RESERVATION_OF_ANOTHER_USER');

    const [show] = await t.database.sql<
      { startsAt: Date }[]
    >`SELECT starts_at AS "startsAt" FROM schedules WHERE id = 4`;
    const clockAt = t.clock.now();
    t.clock.advance(show!.startsAt.getTime() - clockAt);
    try {
      const late = await refund(t, reservationId, token);
      expect(late.statusCode).toBe(409);
      expect(late.json().code).toBe('REFUND_WINDOW_CLOSED');
      expect((await balance(t, 113, (await t.activate(113)).get(113))).json().amount).toBe(70_000);
    } finally {
      t.clock.advance(clockAt - t.clock.now());
    }
  });
});
