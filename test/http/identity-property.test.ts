import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ACTING_ROUTES, activateWithJwt, JWT_ENV, jwtFor } from '../helpers/identity.js';

const POOL = [1, 2, 3, 4, 5, 6];

describe('identity property: nobody acts for somebody else (AUTH_MODE=jwt)', () => {
  let t: TestApp;
  let tokens: Map<number, string>;
  const jwts = new Map<number, string>();
  const holds = new Map<number, { reservationId: string; price: number }>();

  beforeAll(async () => {
    t = await createTestApp({
      env: { ...JWT_ENV, QUEUE_ACTIVE_TTL_SECONDS: '86400', HOLD_SECONDS: '86400' },
    });
    tokens = await activateWithJwt(t, ...POOL);
    for (const userId of POOL) {
      jwts.set(userId, `Bearer ${await jwtFor(t, userId)}`);
      const reserve = ACTING_ROUTES.find((route) => route.name === 'POST /reservations')!;
      const held = await t.app.inject(
        reserve.build({
          userId,
          queueToken: tokens.get(userId),
          authorization: jwts.get(userId),
          scheduleId: 2,
          seatNumber: userId,
        }),
      );
      expect(held.statusCode).toBe(201);
      holds.set(userId, { reservationId: held.json().reservationId, price: held.json().price });
    }
  });
  afterAll(() => t.close());

  /** Everything a request could change: money, ledger, holds, payments, stored answers, the queue. */
  async function snapshot() {
    const { sql } = t.database;
    const queue = [];
    for (const userId of POOL) {
      const check = await t.app.inject({
        method: 'GET',
        url: '/waiting/check',
        headers: { authorization: jwts.get(userId)!, 'x-queue-token': tokens.get(userId)! },
      });
      queue.push({ userId, status: check.statusCode, body: check.json() });
    }
    return {
      users: await sql`SELECT id, balance FROM users WHERE id = ANY(${POOL}) ORDER BY id`,
      ledger:
        await sql`SELECT count(*)::int AS n, coalesce(sum(amount), 0)::bigint AS total FROM ledger_entries`,
      reservations: await sql`SELECT id, user_id, status, seat_number FROM reservations ORDER BY id`,
      seats:
        await sql`SELECT seat_number, status, reservation_id FROM seats WHERE schedule_id = 2 ORDER BY seat_number`,
      payments: await sql`SELECT count(*)::int AS n FROM payments`,
      monthly: await sql`SELECT user_id, month, total FROM monthly_charges ORDER BY user_id, month`,
      stored: await sql`SELECT count(*)::int AS n FROM idempotency_keys`,
      counts: await t.store.counts(),
      queue,
    };
  }

  it('for random pairs and every acting route: refused with 403, nothing changes', async () => {
    const pairs = fc
      .tuple(fc.constantFrom(...POOL), fc.constantFrom(...POOL))
      .filter(([attacker, victim]) => attacker !== victim);
    await fc.assert(
      fc.asyncProperty(
        pairs,
        fc.constantFrom(...ACTING_ROUTES),
        fc.constantFrom('attacker' as const, 'victim' as const),
        async ([attacker, victim], route, tokenOwner) => {
          // A route that names no user acts for its queue token's: the attack is the victim's token.
          const owner = route.namesUser ? tokenOwner : 'victim';
          const before = await snapshot();
          const response = await t.app.inject(
            route.build({
              userId: victim,
              authorization: jwts.get(attacker),
              queueToken: tokens.get(owner === 'victim' ? victim : attacker),
              reservationId: holds.get(victim)!.reservationId,
              amount: holds.get(victim)!.price,
              scheduleId: 2,
              seatNumber: 20 + victim,
            }),
          );
          expect(response.statusCode, `${route.name}: ${response.body}`).toBe(403);
          expect(await snapshot()).toEqual(before);
        },
      ),
      { numRuns: 120 },
    );
  });
});
