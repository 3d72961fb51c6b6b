import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { SEAT_PRICE } from '../../src/db/seed.js';
import { runMaintenance } from '../../src/modules/reservations/hold-sweeper.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { charge, pay, range, reserve, seatMap } from '../helpers/requests.js';
import { buy, refund, release } from '../helpers/sales.js';
import { createTestDatabase } from '../helpers/stores.js';

/** The tables the write path reads and writes, all grown in the test; none may be read by a sequential scan. */
const HOT_TABLES = ['reservations', 'idempotency_keys', 'payments', 'seats', 'users', 'monthly_charges'];
const GROWN_ROWS = 100_000;
/** Live holds and paid seats among the grown reservations. */
const LIVE_ROWS = 45_000;
/** Rows one round of the hot paths may fetch by index from one table: a few per operation. */
const FETCHED_AT_MOST = 2_000;

interface Scans {
  /** Sequential and index scans, and the rows index scans fetched (a scan on the wrong index fetches thousands). */
  [table: string]: { seq: number; idx: number; fetched: number };
}

/** Table scan counters, after making the app's connection publish its own. */
async function scans(database: Database): Promise<Scans> {
  // Backends publish their counters at most once a second; this makes the next commit publish.
  await database.sql`SELECT pg_stat_force_next_flush()`;
  await database.sql`SELECT 1`;
  const rows = await database.sql<{ relname: string; seq: number; idx: number; fetched: number }[]>`
    SELECT relname, seq_scan::int AS seq, coalesce(idx_scan, 0)::int AS idx, coalesce(idx_tup_fetch, 0)::int AS fetched
    FROM pg_stat_user_tables WHERE relname = ANY(${HOT_TABLES})`;
  return Object.fromEntries(rows.map(({ relname, ...counts }) => [relname, counts]));
}

/**
 * Every hot-path operation, each run at least six times, so that PostgreSQL's plan cache
 * has settled on a generic plan for each statement (it decides after five executions).
 */
async function everyHotPath(t: TestApp, users: number[], scheduleId: number) {
  const tokens = await t.activate(...users);
  for (const [i, userId] of users.entries()) {
    const token = tokens.get(userId)!;
    const key = randomUUID();
    const held = await reserve(t, { userId, scheduleId, seatNumber: i + 1, token, key });
    expect(held.statusCode).toBe(201);
    expect((await reserve(t, { userId, scheduleId, seatNumber: i + 1, token, key })).statusCode).toBe(201); // replay
    const taken = await reserve(t, { userId, scheduleId, seatNumber: i + 1, token });
    expect(taken.statusCode).toBe(409);
    expect((await charge(t, userId, 40_000, token)).statusCode).toBe(200);
    const paid = await pay(t, held.json().reservationId, SEAT_PRICE, token, `pay-${userId}`);
    expect(paid.statusCode).toBe(201);
    expect((await pay(t, held.json().reservationId, SEAT_PRICE, token, `pay-${userId}`)).statusCode).toBe(
      201,
    );
    expect((await seatMap(t, 1, scheduleId)).statusCode).toBe(200);
    await runMaintenance(t.database.sql, t.clock, t.config.idempotencyTtlHours);
  }
}

describe('hot-path plans', () => {
  let t: TestApp;
  let database: Database;

  beforeAll(async () => {
    // One connection, so every statement's plan is cached on the connection we watch.
    database = await createTestDatabase({ max: 1 });
    // As before a first sale: empty write tables, analysed, and no autovacuum to fix stats later.
    for (const table of HOT_TABLES)
      await database.sql.unsafe(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
    await database.sql`VACUUM ANALYZE`;
    t = await createTestApp({ database });
  });
  afterAll(() => t.close());

  it('never scans a write table sequentially, even when plans were cached while it was empty', async () => {
    await everyHotPath(t, range(1, 8), 1);

    // The tables grow to a sale's size behind the planner's back: no ANALYZE, same connection.
    await database.sql`
      INSERT INTO users (id, balance) SELECT 1000 + g, 0 FROM generate_series(1, ${GROWN_ROWS}) AS g`;
    await database.sql`
      WITH created AS (
        INSERT INTO schedules (concert_id, starts_at)
        SELECT 3, now() + interval '30 days' FROM generate_series(1, ${GROWN_ROWS / 50}) RETURNING id
      )
      INSERT INTO seats (schedule_id, seat_number, price) SELECT id, n, ${SEAT_PRICE} FROM created, generate_series(1, 50) n`;
    await database.sql`
      INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
      SELECT gen_random_uuid(), 1000 + g, 1, 2 + g % 3, 1 + g % 50, ${SEAT_PRICE}, 'EXPIRED', now(), now()
      FROM generate_series(1, ${GROWN_ROWS}) AS g`;
    // A sale in full swing: tens of thousands of live holds and paid seats on the new schedules
    // (the partial indexes grow too: a plan that picked one of them while it was empty would
    // read every live hold per call).
    await database.sql`
      INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
      SELECT gen_random_uuid(), 1000 + n, 3, schedule_id, seat_number, ${SEAT_PRICE},
             CASE WHEN n % 3 = 0 THEN 'CONFIRMED' ELSE 'ON_HOLD' END, now() + interval '1 hour', now()
      FROM (SELECT row_number() OVER () AS n, schedule_id, seat_number FROM seats WHERE schedule_id > 3
            LIMIT ${LIVE_ROWS}) AS s`;
    await database.sql`
      INSERT INTO payments (id, reservation_id, user_id, amount, created_at)
      SELECT gen_random_uuid(), id, user_id, price, now() FROM reservations WHERE user_id >= 1000 AND status <> 'ON_HOLD'`;
    await database.sql`
      INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
      SELECT 1000 + g, 'reserve', 'grown-' || g, '', 201, '{}', now() FROM generate_series(1, ${GROWN_ROWS}) AS g`;
    await database.sql`
      INSERT INTO monthly_charges (user_id, month, total) SELECT 1000 + g, '2020-01', 0
      FROM generate_series(1, ${GROWN_ROWS}) AS g`;

    const before = await scans(database);
    await everyHotPath(t, range(101, 8), 2);
    const after = await scans(database);
    for (const table of HOT_TABLES) {
      expect(after[table]!.seq - before[table]!.seq, `sequential scans of ${table}`).toBe(0);
      // The right index too: a plan on the wrong one reads the grown rows on every call.
      expect(
        after[table]!.fetched - before[table]!.fetched,
        `rows fetched by index from ${table}`,
      ).toBeLessThan(FETCHED_AT_MOST);
    }
    for (const table of [
      'reservations',
      'idempotency_keys',
      'payments',
      'seats',
      'users',
      'monthly_charges',
    ]) {
      expect(after[table]!.idx, `index scans of ${table}`).toBeGreaterThan(before[table]!.idx);
    }
  }, 120_000);

  it('releases and refunds by index too, on the grown tables (sd_release, sd_refund)', async () => {
    const before = await scans(database);
    for (const userId of range(201, 6)) {
      const token = (await t.activate(userId)).get(userId)!;
      const held = await reserve(t, { userId, scheduleId: 3, seatNumber: userId - 200, token });
      expect((await release(t, held.json().reservationId, token)).statusCode).toBe(200);
      const bought = await buy(t, userId, 3, userId - 190);
      expect((await refund(t, bought.reservationId, bought.token)).statusCode).toBe(200);
    }
    const after = await scans(database);
    for (const table of HOT_TABLES) {
      expect(after[table]!.seq - before[table]!.seq, `sequential scans of ${table}`).toBe(0);
      expect(
        after[table]!.fetched - before[table]!.fetched,
        `rows fetched by index from ${table}`,
      ).toBeLessThan(FETCHED_AT_MOST);
    }
  }, 120_000);
});
