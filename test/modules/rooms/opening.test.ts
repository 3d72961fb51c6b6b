import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitmentOf, verifyFairness } from '../../../src/modules/rooms/fairness.js';
import { orderDigest } from '../../../src/modules/rooms/lottery.js';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { charge, pay, range, reserve } from '../../helpers/requests.js';
import { checkToken, issueFor } from '../../helpers/rooms.js';
import { refund, salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

const MINUTE = 60_000;

describe.each(storeKinds())(
  'an opening from the operator’s first call to a resold seat (%s store)',
  (kind) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ store: kind, env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
    });
    afterAll(() => t.close());

    it('pre-queues, draws at the opening, admits in the drawn order, sells, refunds and resells', async () => {
      const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
      const { concertId, scheduleId } = await createSale(t, [{ name: 'R', seatCount: 4, price: 40_000 }], {
        startsAt: at(7 * 24 * 60 * MINUTE),
        salesOpenAt: at(10 * MINUTE),
      });
      // The commitment to the draw's secret is public before anyone joins.
      const fairness = async () =>
        (await t.app.inject({ method: 'GET', url: `/sales/${concertId}/fairness` })).json();
      const before = await fairness();
      expect(before).toMatchObject({ drawn: false, opensAt: at(10 * MINUTE) });
      expect(before.secret).toBeUndefined();
      // Fans arrive before the opening: a pre-queue, no position, the opening time.
      const fans = range(101, 30);
      const preTokens = new Map<number, string>();
      const hashes = new Map<number, string>();
      for (const userId of fans) {
        const issued = await issueFor(t, userId, concertId);
        expect(issued.statusCode).toBe(200);
        expect(issued.json().status).toBe('PRE_QUEUE');
        expect(issued.json().position).toBeUndefined();
        expect(issued.headers['x-queue-position']).toBeUndefined();
        expect(Date.parse(issued.json().opensAt)).toBe(Date.parse(at(10 * MINUTE)));
        preTokens.set(userId, issued.json().token);
        hashes.set(userId, issued.json().entrant.hash);
      }
      expect((await issueFor(t, 101, concertId)).json().status).toBe('PRE_QUEUE');
      const early = await reserve(t, {
        userId: 101,
        token: preTokens.get(101),
        concertId,
        scheduleId,
        seatNumber: 1,
      });
      expect(early.statusCode).toBe(403);
      expect(early.json().code).toBe('QUEUE_NOT_ACTIVE');
      await t.tick();
      expect((await admin(t, 'GET', `/admin/sales/${concertId}/lottery`)).json().code).toBe(
        'LOTTERY_NOT_DRAWN',
      );

      // The operator holds admission back over the opening, to watch the draw first.
      await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: true, admitPerTick: 10 });
      t.clock.advance(10 * MINUTE);
      const late = await issueFor(t, 131, concertId); // after the opening, before the draw's tick
      expect(late.json().status).toBe('WAITING');
      await t.tick();

      // Everyone drawn has a place ahead of the late arrival; the places are a permutation.
      const places = new Map<number, { position: number; token: string }>();
      for (const [userId, token] of preTokens) {
        const checked = await checkToken(t, token);
        expect(checked.json()).toMatchObject({ status: 'WAITING', active: false });
        places.set(userId, { position: checked.json().position, token: checked.json().token });
      }
      expect([...places.values()].map((p) => p.position).sort((a, b) => a - b)).toEqual(range(1, 30));
      expect((await checkToken(t, late.json().token)).json().position).toBe(31);
      const drawn = [...places].sort((a, b) => a[1].position - b[1].position).map(([userId]) => userId);
      const lottery = (await admin(t, 'GET', `/admin/sales/${concertId}/lottery`)).json();
      const drawnHashes = drawn.map((userId) => hashes.get(userId)!);
      expect(lottery).toMatchObject({ entrants: 30, orderDigest: orderDigest(drawnHashes) });
      // The public record: the same commitment, its secret, and everything recomputes.
      const after = await fairness();
      expect(after).toMatchObject({ drawn: true, commitment: before.commitment, seed: lottery.seed });
      expect(commitmentOf(after.secret)).toBe(before.commitment);
      expect(after.entrants).toEqual([...hashes.values()].sort());
      expect(verifyFairness(after)).toEqual([]);

      // Paused: nobody is admitted, however many ticks.
      for (let i = 0; i < 3; i++) await t.tick();
      expect((await checkToken(t, places.get(drawn[0]!)!.token)).json().active).toBe(false);
      await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: false });
      await t.tick();
      for (const [i, userId] of drawn.entries()) {
        expect((await checkToken(t, places.get(userId)!.token)).json().active).toBe(i < 10);
      }
      const token = async (userId: number) => (await checkToken(t, places.get(userId)!.token)).json().token;
      const buy = async (userId: number, seatNumber: number) => {
        const live = await token(userId);
        const held = await reserve(t, { userId, token: live, concertId, scheduleId, seatNumber });
        expect(held.statusCode).toBe(201);
        await charge(t, userId, 100_000, live);
        const paid = await pay(t, held.json().reservationId, held.json().price, live);
        expect(paid.statusCode).toBe(201);
        return { reservationId: held.json().reservationId as string, token: live as string };
      };
      const [a, b, c] = drawn as [number, number, number];
      const first = await buy(a, 1);
      await buy(b, 2);
      const back = await refund(t, first.reservationId, first.token);
      expect(back.statusCode).toBe(200);
      await buy(c, 1);
      const rows = await t.database.sql<{ sold: number }[]>`
      SELECT count(*)::int AS sold FROM reservations WHERE concert_id = ${concertId} AND status = 'CONFIRMED'`;
      expect(rows[0]!.sold).toBe(2);
      expect(await salesInvariantViolations(t.database)).toEqual([]);
    });
  },
);
