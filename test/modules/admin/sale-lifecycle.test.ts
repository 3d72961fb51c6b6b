import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { balance, charge, pay, range, reserve, seatMap } from '../../helpers/requests.js';
import { issueFor } from '../../helpers/rooms.js';
import { refund, salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

const MINUTE = 60_000;

describe.each(storeKinds())('a sale from the operator’s first call to a resold seat (%s store)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(() => t.close());

  it('opens on time, sells within limits, refunds, and sells the refunded seat again', async () => {
    const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
    // The operator: a venue of two sections, a concert there, a date whose sale opens in 10 minutes.
    const { concertId, scheduleId } = await createSale(
      t,
      [
        { name: 'VIP', seatCount: 2, price: 120_000 },
        { name: 'R', seatCount: 6, price: 40_000 },
      ],
      { startsAt: at(7 * 24 * 60 * MINUTE), salesOpenAt: at(10 * MINUTE) },
    );
    expect((await admin(t, 'PATCH', `/admin/sales/${concertId}`, { ticketLimit: 2 })).statusCode).toBe(200);

    // Fans join the sale's own line before the opening: a pre-queue, no holds yet.
    const fans = range(381, 4);
    let tokens = new Map<number, string>();
    for (const userId of fans) {
      const entered = (await issueFor(t, userId, concertId)).json();
      expect(entered.status).toBe('PRE_QUEUE');
      tokens.set(userId, entered.token);
    }
    const hold = (userId: number, seatNumber: number, token = tokens.get(userId)) =>
      reserve(t, { userId, token, concertId, scheduleId, seatNumber });
    const early = await hold(381, 1);
    expect(early.statusCode).toBe(403);
    expect(early.json().code).toBe('QUEUE_NOT_ACTIVE');
    // Nor does a token of the default room (the demo catalog's line) skip the sale's own line.
    const elsewhere = (await t.activate(381)).get(381);
    const skipped = await hold(381, 1, elsewhere);
    expect(skipped.statusCode).toBe(403);
    expect(skipped.json().code).toBe('QUEUE_TOKEN_WRONG_SALE');

    // The opening: the pre-queue is drawn and admitted.
    t.clock.advance(10 * MINUTE);
    tokens = await t.activateIn(concertId, ...fans);
    // The opening: all four want VIP-1 at once; one gets it.
    const rush = await Promise.all(fans.map((userId) => hold(userId, 1)));
    expect(rush.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const winner = rush.find((r) => r.statusCode === 201)!.json();
    // Everyone else takes R seats, two at most each.
    const others = fans.filter((userId) => userId !== winner.userId);
    const rSeats = await Promise.all(
      others.flatMap((userId, i) => [hold(userId, 3 + 2 * i), hold(userId, 4 + 2 * i)]),
    );
    expect(rSeats.every((r) => r.statusCode === 201)).toBe(true);
    const third = await hold(others[0]!, 2);
    expect(third.json().code).toBe('TICKET_LIMIT_REACHED');

    // The VIP winner pays (charging first), then changes their mind and refunds.
    const vipToken = tokens.get(winner.userId)!;
    expect((await charge(t, winner.userId, 100_000, vipToken)).statusCode).toBe(200);
    const paid = await pay(t, winner.reservationId, 120_000, vipToken);
    expect(paid.json()).toMatchObject({ balanceAfter: 30_000, status: 'CONFIRMED' });
    expect((await seatMap(t, concertId, scheduleId)).json().seats[0].status).toBe('RESERVED');
    const refunded = await refund(t, winner.reservationId, vipToken, randomUUID());
    expect(refunded.json()).toMatchObject({ status: 'REFUNDED', refunded: 120_000, balanceAfter: 150_000 });
    expect((await seatMap(t, concertId, scheduleId)).json().seats[0]).toMatchObject({
      status: 'AVAILABLE',
      label: 'VIP-1',
    });

    // A fan who had missed VIP-1 buys it now, once their two R holds have lapsed (the limit is 2).
    const buyer = others[0]!;
    t.clock.advance(t.config.holdSeconds * 1000);
    const again = await hold(buyer, 1);
    expect(again.statusCode).toBe(201);
    const buyerToken = tokens.get(buyer)!;
    await charge(t, buyer, 100_000, buyerToken);
    expect((await pay(t, again.json().reservationId, 120_000, buyerToken)).statusCode).toBe(201);
    expect((await seatMap(t, concertId, scheduleId)).json().seats[0].status).toBe('RESERVED');
    const fresh = (await t.activateIn(concertId, winner.userId)).get(winner.userId);
    expect((await balance(t, winner.userId, fresh)).json().amount).toBe(150_000);

    const [counts] = await t.database.sql<{ refunds: number; confirmed: number }[]>`
      SELECT (SELECT count(*)::int FROM ledger_entries WHERE kind = 'REFUND') AS refunds,
             (SELECT count(*)::int FROM reservations WHERE schedule_id = ${scheduleId} AND status = 'CONFIRMED') AS confirmed`;
    expect(counts).toEqual({ refunds: 1, confirmed: 1 });
    expect(await salesInvariantViolations(t.database)).toEqual([]);
  });
});
