import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp } from '../../helpers/app.js';
import { reserve } from '../../helpers/requests.js';
import { salesInvariantViolations } from '../../helpers/sales.js';

const HOUR = 3_600_000;

describe('operator changes racing fans', () => {
  it('either refuses a rebuild (seats in use) or rebuilds before the holds, never both half-way', async () => {
    const t = await createTestApp({ env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
    try {
      const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
      const ids = await createSale(t, [{ name: 'A', seatCount: 10, price: 10_000 }], {
        startsAt: at(48 * HOUR),
        salesOpenAt: at(-HOUR),
      });
      const users = Array.from({ length: 10 }, (_, i) => 330 + i);
      const tokens = await t.activateIn(ids.concertId, ...users);
      const [rebuild, renamed, ...holds] = await Promise.all([
        admin(t, 'PATCH', `/admin/venues/${ids.venueId}`, {
          sections: [{ name: 'B', seatCount: 10, price: 20_000 }],
        }),
        admin(t, 'PATCH', `/admin/concerts/${ids.concertId}`, { title: 'Renamed Night' }),
        ...users.map((userId, i) =>
          reserve(t, {
            userId,
            token: tokens.get(userId),
            concertId: ids.concertId,
            scheduleId: ids.scheduleId,
            seatNumber: i + 1,
          }),
        ),
      ]);
      expect([200, 409]).toContain(rebuild!.statusCode);
      expect(renamed!.statusCode).toBe(200);
      expect(holds.every((r) => r.statusCode === 201)).toBe(true);
      // A hold before the rebuild makes it refuse; a hold after it pays the new price. Never a mix on one seat.
      const prices = holds.map((r) => r.json().price as number);
      if (rebuild!.statusCode === 409) expect(rebuild!.json().code).toBe('SEATS_IN_USE');
      else expect(prices.every((price) => price === 20_000)).toBe(true);
      const [mismatch] = await t.database.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM reservations r JOIN seats s USING (schedule_id, seat_number)
        WHERE r.schedule_id = ${ids.scheduleId} AND r.price <> s.price`;
      expect(mismatch!.n).toBe(0);
      expect(await salesInvariantViolations(t.database)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
