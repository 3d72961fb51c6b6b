import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../../src/modules/reservations/hold-sweeper.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range, reserve } from '../../helpers/requests.js';

describe('maintenance: hold sweep and idempotency pruning', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { HOLD_SECONDS: '60' } });
  });
  afterAll(() => t.close());

  it('expires every lapsed hold exactly once when several processes sweep at once', async () => {
    const tokens = await t.activate(...range(1, 40));
    const held = await Promise.all(
      range(1, 40).map((userId) =>
        reserve(t, { userId, token: tokens.get(userId), scheduleId: 1, seatNumber: userId }),
      ),
    );
    expect(held.every((r) => r.statusCode === 201)).toBe(true);
    t.clock.advance(61_000);
    // Four sweepers at once, in batches of 10: SKIP LOCKED splits the rows between them.
    const { sweepExpiredHolds } = await import(
      '../../../src/modules/reservations/reservations.repository.js'
    );
    const counts = await Promise.all(
      range(1, 4).map(() => sweepExpiredHolds(t.database.sql, new Date(t.clock.now()), 10)),
    );
    const rest = await runMaintenance(t.database.sql, t.clock, 24);
    expect(counts.reduce((a, b) => a + b, 0) + rest.expiredHolds).toBe(40);
    const [row] = await t.database.sql<{ onHold: number; held: number }[]>`
      SELECT (SELECT count(*)::int FROM reservations WHERE status = 'ON_HOLD') AS "onHold",
             (SELECT count(*)::int FROM seats WHERE status = 'HELD') AS held`;
    expect(row).toEqual({ onHold: 0, held: 0 });
  });

  it('prunes stored idempotency answers older than the retention, and only those', async () => {
    const now = new Date(t.clock.now());
    const old = new Date(now.getTime() - 25 * 3_600_000);
    await t.database.sql`
      INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
      VALUES (1, 'charge', 'old', 'h', 200, '{}', ${old}), (1, 'charge', 'recent', 'h', 200, '{}', ${now})`;
    const { prunedKeys } = await runMaintenance(t.database.sql, t.clock, 24);
    expect(prunedKeys).toBeGreaterThanOrEqual(1);
    const keys = await t.database.sql<{ key: string }[]>`
      SELECT key FROM idempotency_keys WHERE key IN ('old', 'recent')`;
    expect(keys.map((k) => k.key)).toEqual(['recent']);
  });
});
