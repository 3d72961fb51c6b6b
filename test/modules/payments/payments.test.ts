import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { ledgerMismatches } from '../../helpers/ledger.js';
import { balance, charge, pay, range, reserve, seatMap } from '../../helpers/requests.js';

const PRICE = 80_000;
let nextSeat = 3;

describe('payments', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Tokens outlive the clock jumps past hold expiry below.
    t = await createTestApp({
      // One user pays for 20 seats below: a limit per user is tested in test/modules/sales.
      env: { HOLD_SECONDS: '300', QUEUE_ACTIVE_TTL_SECONDS: '86400', TICKET_LIMIT_PER_USER: '100' },
    });
  });
  afterAll(() => t.close());

  /** Activates the user, holds the seat, and returns the token and reservation id. */
  async function hold(userId: number, scheduleId: number, seatNumber: number) {
    const token = (await t.activate(userId)).get(userId)!;
    const response = await reserve(t, { userId, token, scheduleId, seatNumber });
    expect(response.statusCode).toBe(201);
    const { reservationId, holdExpiresAt } = response.json();
    return { token, reservationId: reservationId as string, holdExpiresAt: Date.parse(holdExpiresAt) };
  }

  it("reproduces the spec's example: 50,000 → charge → 100,000 → pay 80,000 → 20,000", async () => {
    const { token, reservationId } = await hold(1, 1, 1);
    expect((await balance(t, 1, token)).json().amount).toBe(50_000);
    expect((await charge(t, 1, 50_000, token)).json().amount).toBe(100_000);
    const paid = await pay(t, reservationId, PRICE, token);
    expect(paid.statusCode).toBe(201);
    expect(paid.json()).toMatchObject({
      reservationId,
      amount: PRICE,
      balanceAfter: 20_000,
      status: 'CONFIRMED',
      queueTokenExpired: true,
    });
    expect((await t.app.inject({ method: 'GET', url: `/reservations/${reservationId}` })).json().status).toBe(
      'CONFIRMED',
    );
    expect((await seatMap(t, 1, 1)).json().seats[0].status).toBe('RESERVED');
    // The payment ended the queue session.
    const check = await t.app.inject({
      method: 'GET',
      url: '/waiting/check',
      headers: { 'x-queue-token': token },
    });
    expect(check.statusCode).toBe(401);
    expect((await t.store.counts()).active).toBe(0);
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('answers 201 for a committed payment even when expiring the token fails afterwards', async () => {
    const { token, reservationId } = await hold(20, 1, 3);
    await charge(t, 20, 50_000, token);
    const expire = t.store.expire.bind(t.store);
    t.store.expire = async () => {
      throw new Error('queue store unreachable');
    };
    try {
      const paid = await pay(t, reservationId, PRICE, token);
      expect(paid.statusCode).toBe(201);
      expect(paid.json()).toMatchObject({ balanceAfter: 20_000, queueTokenExpired: true });
    } finally {
      t.store.expire = expire;
    }
  });

  it('replays a completed payment for the same key even though the token has expired', async () => {
    const { token, reservationId } = await hold(2, 1, 2);
    await charge(t, 2, 50_000, token);
    const key = randomUUID();
    const first = await pay(t, reservationId, PRICE, token, key);
    expect(first.statusCode).toBe(201);
    const retry = await pay(t, reservationId, PRICE, token, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    // Only for replays: a new key with the expired token is 401, a forged token too.
    expect((await pay(t, reservationId, PRICE, token)).statusCode).toBe(401);
    const forged = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
    expect((await pay(t, reservationId, PRICE, forged, key)).statusCode).toBe(401);
    expect((await balance(t, 2, (await t.activate(2)).get(2))).json().amount).toBe(20_000);
  });

  it.each([
    ['an amount other than the price', { amount: 79_999 }, 400, 'PAYMENT_AMOUNT_MISMATCH'],
    ['an amount as a string', { amount: '80000' }, 400, 'VALIDATION_FAILED'],
    ['an unknown reservation', { reservationId: randomUUID() }, 404, 'RESERVATION_NOT_FOUND'],
    ['a malformed reservation id', { reservationId: 'abc' }, 400, 'VALIDATION_FAILED'],
  ] as const)('refuses %s', async (_, change, status, code) => {
    const { token, reservationId } = await hold(3, 2, nextSeat++);
    const response = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: { 'idempotency-key': randomUUID(), 'x-queue-token': token },
      payload: { reservationId, amount: PRICE, ...change },
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe(code);
  });

  it('refuses 402 without money, 403 for another user’s reservation, 404 after the hold, 409 when paid', async () => {
    const poor = await hold(4, 2, 45);
    const broke = await pay(t, poor.reservationId, PRICE, poor.token);
    expect(broke.statusCode).toBe(402);
    expect(broke.json().code).toBe('INSUFFICIENT_BALANCE');
    expect(
      (await t.app.inject({ method: 'GET', url: `/reservations/${poor.reservationId}` })).json().status,
    ).toBe('ON_HOLD'); // nothing changed

    const other = await hold(5, 2, 46);
    const notYours = await pay(t, poor.reservationId, PRICE, other.token);
    expect(notYours.statusCode).toBe(403);
    expect(notYours.json().code).toBe('RESERVATION_OF_ANOTHER_USER');

    t.clock.advance(300_000);
    const fresh = (await t.activate(4)).get(4)!;
    await charge(t, 4, 100_000, fresh);
    const lapsed = await pay(t, poor.reservationId, PRICE, fresh);
    expect(lapsed.statusCode).toBe(404);
    expect(lapsed.json().code).toBe('RESERVATION_EXPIRED');
    expect((await balance(t, 4, fresh)).json().amount).toBe(150_000);

    const bought = await hold(4, 2, 47);
    expect((await pay(t, bought.reservationId, PRICE, bought.token)).statusCode).toBe(201);
    const again = (await t.activate(4)).get(4)!;
    const twice = await pay(t, bought.reservationId, PRICE, again);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('RESERVATION_ALREADY_CONFIRMED');
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('confirms 5 of 20 concurrent payments when the balance covers 5', async () => {
    const userId = 10;
    const token = (await t.activate(userId)).get(userId)!;
    const holds = await Promise.all(
      range(1, 20).map((seatNumber) => reserve(t, { userId, token, scheduleId: 3, seatNumber })),
    );
    const reservationIds = holds.map((r) => r.json().reservationId as string);
    await charge(t, userId, 5 * PRICE - 50_000, token); // 400,000 in all
    const responses = await Promise.all(reservationIds.map((id) => pay(t, id, PRICE, token)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 402)).toHaveLength(15);
    const [user] = await t.database.sql<
      { balance: number }[]
    >`SELECT balance FROM users WHERE id = ${userId}`;
    expect(user!.balance).toBe(0);
    const confirmed = await t.database.sql`
      SELECT 1 FROM reservations WHERE user_id = ${userId} AND status = 'CONFIRMED'`;
    expect(confirmed).toHaveLength(5);
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('lets only one of two concurrent payments of one reservation through', async () => {
    const { token, reservationId } = await hold(11, 3, 30);
    await charge(t, 11, 200_000, token);
    const [a, b] = await Promise.all([
      pay(t, reservationId, PRICE, token),
      pay(t, reservationId, PRICE, token),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const [payments] = await t.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM payments WHERE reservation_id = ${reservationId}`;
    expect(payments!.n).toBe(1);
    expect((await balance(t, 11, (await t.activate(11)).get(11))).json().amount).toBe(250_000 - PRICE);
  });

  it('never confirms a hold that lapsed while a payment and a new reserver race for the seat', async () => {
    for (const [offset, winner] of [
      [-1, 'payment'],
      [0, 'reserver'],
    ] as const) {
      const seatNumber = offset === -1 ? 40 : 41;
      const payer = await hold(12, 4, seatNumber);
      await charge(t, 12, 100_000, payer.token);
      const rival = (await t.activate(13)).get(13)!;
      t.clock.advance(payer.holdExpiresAt - t.clock.now() + offset); // the moment the hold lapses (or 1 ms before)
      const [payment, reservation] = await Promise.all([
        pay(t, payer.reservationId, PRICE, payer.token),
        reserve(t, { userId: 13, token: rival, scheduleId: 4, seatNumber }),
      ]);
      if (winner === 'payment') {
        expect([payment.statusCode, reservation.statusCode]).toEqual([201, 409]);
      } else {
        expect([payment.statusCode, reservation.statusCode]).toEqual([404, 201]);
      }
      const live = await t.database.sql<{ status: string }[]>`
        SELECT status FROM reservations WHERE schedule_id = 4 AND seat_number = ${seatNumber} AND status <> 'EXPIRED'`;
      expect(live).toHaveLength(1);
      t.clock.advance(1000);
    }
    expect(await ledgerMismatches(t.database)).toBe(0);
  });
});
