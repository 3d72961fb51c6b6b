import type { Sql } from './client.js';

export const OPENING_BALANCE = 50_000;
export const SEAT_PRICE = 80_000;
export const SEATS_PER_SCHEDULE = 50;

const CATALOG = [
  { title: 'Winter Lights Gala', artist: 'Aurora Strings', venue: 'Seoul Arts Center', schedules: 4 },
  { title: 'Neon Harbor Live', artist: 'Neon Harbor', venue: 'KSPO Dome', schedules: 3 },
  { title: 'Late Night Jazz', artist: 'The Blue Hour Trio', venue: 'Blue Square', schedules: 3 },
];

const DAY_MS = 86_400_000;

export interface SeedOptions {
  userCount: number;
  now: Date;
  /** Concerts in all: the three of the demo catalog, then generated ones (3 schedules each). */
  concertCount?: number;
}

/** The demo catalog, then as many generated concerts as asked for (the load test wants many seats). */
function catalog(concertCount: number) {
  const generated = Array.from({ length: Math.max(0, concertCount - CATALOG.length) }, (_, i) => ({
    title: `Extra Night ${i + 1}`,
    artist: 'Seed Ensemble',
    venue: 'Olympic Hall',
    schedules: 3,
  }));
  return [...CATALOG, ...generated];
}

/**
 * Demo data, safe to run again: users 1..userCount with 50,000 won (each with its
 * OPENING ledger row) and, when there are no concerts yet, the catalog, whose
 * schedules start 7+ days after `now` (one a day), 50 seats each at 80,000 won.
 */
export async function seed(
  sql: Sql,
  { userCount, now, concertCount = CATALOG.length }: SeedOptions,
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      WITH created AS (
        INSERT INTO users (id, balance)
        SELECT g, ${OPENING_BALANCE} FROM generate_series(1, ${userCount}::bigint) AS g
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      )
      INSERT INTO ledger_entries (user_id, amount, kind, created_at)
      SELECT id, ${OPENING_BALANCE}, 'OPENING', ${now} FROM created`;
    const [existing] = await tx<{ count: number }[]>`SELECT count(*)::int AS count FROM concerts`;
    if (existing!.count > 0) return;
    for (const [index, concert] of catalog(concertCount).entries()) {
      const [created] = await tx<{ id: number }[]>`
        INSERT INTO concerts (title, artist, venue)
        VALUES (${concert.title}, ${concert.artist}, ${concert.venue}) RETURNING id`;
      const firstDay = Math.floor(now.getTime() / DAY_MS) * DAY_MS + (7 + index) * DAY_MS;
      // 10:00 UTC is 19:00 in Seoul.
      const dates = Array.from({ length: concert.schedules }, (_, i) =>
        new Date(firstDay + i * DAY_MS + 10 * 3_600_000).toISOString(),
      );
      await tx`
        WITH created AS (
          INSERT INTO schedules (concert_id, starts_at)
          SELECT ${created!.id}, d FROM unnest(${tx.array(dates)}::timestamptz[]) AS d
          RETURNING id
        )
        INSERT INTO seats (schedule_id, seat_number, price)
        SELECT created.id, n, ${SEAT_PRICE} FROM created, generate_series(1, ${SEATS_PER_SCHEDULE}) AS n`;
    }
  });
}
