import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { pay, range, reserve } from '../../helpers/requests.js';
import { buy, release, salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

describe.each(storeKinds())('ticket limit per user and sale (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(t.database)).toEqual([]);
    await t.close();
  });

  const live = async (userId: number, concertId: number) => {
    const [row] = await t.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM reservations
      WHERE user_id = ${userId} AND concert_id = ${concertId} AND status IN ('ON_HOLD', 'CONFIRMED')`;
    return row!.n;
  };

  it('counts holds and paid seats of one concert: the 5th is 409 TICKET_LIMIT_REACHED, a release makes room', async () => {
    const { reservationId: paid } = await buy(t, 201, 1, 1);
    const token = (await t.activate(201)).get(201)!; // the payment expired the first token
    const holds = [];
    for (const seatNumber of [2, 3, 4]) {
      const held = await reserve(t, { userId: 201, token, scheduleId: 1, seatNumber });
      expect(held.statusCode).toBe(201);
      holds.push(held.json().reservationId as string);
    }
    const fifth = await reserve(t, { userId: 201, token, scheduleId: 2, seatNumber: 5 });
    expect(fifth.statusCode).toBe(409);
    expect(fifth.json().code).toBe('TICKET_LIMIT_REACHED');
    // Another concert is another sale.
    const elsewhere = await reserve(t, { userId: 201, token, concertId: 2, scheduleId: 5, seatNumber: 5 });
    expect(elsewhere.statusCode).toBe(201);

    expect((await release(t, holds[0]!, token)).statusCode).toBe(200);
    const now = await reserve(t, { userId: 201, token, scheduleId: 2, seatNumber: 5 });
    expect(now.statusCode).toBe(201);
    expect(await live(201, 1)).toBe(4);
    expect(paid).toBeDefined();
  });

  it('stops counting a hold once it has lapsed', async () => {
    const token = (await t.activate(202)).get(202)!;
    for (const seatNumber of [11, 12, 13, 14]) {
      expect((await reserve(t, { userId: 202, token, scheduleId: 2, seatNumber })).statusCode).toBe(201);
    }
    expect((await reserve(t, { userId: 202, token, scheduleId: 2, seatNumber: 15 })).statusCode).toBe(409);
    t.clock.advance(t.config.holdSeconds * 1000);
    expect((await reserve(t, { userId: 202, token, scheduleId: 2, seatNumber: 15 })).statusCode).toBe(201);
  });

  it('gives exactly 4 of 20 simultaneous holds by one user, on 20 different seats', async () => {
    const token = (await t.activate(203)).get(203)!;
    const responses = await Promise.all(
      range(21, 20).map((seatNumber) => reserve(t, { userId: 203, token, scheduleId: 3, seatNumber })),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(responses.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual(
      Array(16).fill('TICKET_LIMIT_REACHED'),
    );
    expect(await live(203, 1)).toBe(4);
  });

  it('takes a per-concert limit over the default', async () => {
    await t.database.sql`UPDATE concerts SET ticket_limit = 2 WHERE id = 3`;
    const token = (await t.activate(204)).get(204)!;
    const responses = await Promise.all(
      range(1, 6).map((seatNumber) =>
        reserve(t, { userId: 204, token, concertId: 3, scheduleId: 8, seatNumber }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(2);
    expect(await live(204, 3)).toBe(2);
  });

  it('settles a release racing holds of the same seat: one live reservation at most, the seat pointing at it', async () => {
    const users = range(210, 8);
    const tokens = await t.activate(...users);
    const owner = users[0]!;
    const held = await reserve(t, { userId: owner, token: tokens.get(owner), scheduleId: 3, seatNumber: 45 });
    const { reservationId } = held.json();
    const [released, ...holds] = await Promise.all([
      release(t, reservationId, tokens.get(owner)),
      ...users
        .slice(1)
        .map((userId) => reserve(t, { userId, token: tokens.get(userId), scheduleId: 3, seatNumber: 45 })),
    ]);
    expect(released!.statusCode).toBe(200);
    const winners = holds.filter((r) => r.statusCode === 201);
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(holds.every((r) => r.statusCode === 201 || r.json().code === 'SEAT_UNAVAILABLE')).toBe(true);
    const liveRows = await t.database.sql<{ id: string }[]>`
      SELECT id FROM reservations WHERE schedule_id = 3 AND seat_number = 45 AND status IN ('ON_HOLD', 'CONFIRMED')`;
    const [seat] = await t.database.sql<{ reservationId: string | null }[]>`
      SELECT reservation_id AS "reservationId" FROM seats WHERE schedule_id = 3 AND seat_number = 45`;
    expect(liveRows.map((r) => r.id)).toEqual(winners.map((r) => r.json().reservationId));
    expect(seat!.reservationId).toBe(winners[0]?.json().reservationId ?? null);
  });

  it('never lets a payment and a release of one hold both succeed', async () => {
    const token = (await t.activate(220)).get(220)!;
    const held = await reserve(t, { userId: 220, token, scheduleId: 3, seatNumber: 46 });
    const { reservationId, price } = held.json();
    const [paid, released] = await Promise.all([
      pay(t, reservationId, price, token),
      release(t, reservationId, token),
    ]);
    // 50,000 won cannot pay 80,000: the payment is 402 unless the release came first (404).
    expect(
      [paid.statusCode, released.statusCode].filter((s) => s === 200 || s === 201).length,
    ).toBeLessThanOrEqual(1);
    expect(released.statusCode).toBe(200);
  });
});
