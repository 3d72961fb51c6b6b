import { randomBytes } from 'node:crypto';
import type { Queryable, Sql, Tx } from '../../db/client.js';
import { commitmentOf } from './fairness.js';

/** A concert's sale as its waiting room sees it: the window spans all its schedules. */
export interface SaleRow {
  concertId: number;
  /** The earliest schedule opening; null: no pre-queue (open from the start). */
  opensAt: Date | null;
  /** The latest schedule close; null when some schedule has no close (never closes). */
  closesAt: Date | null;
  paused: boolean;
  admitPerTick: number | null;
  maxActive: number | null;
  drawnAt: Date | null;
}

export interface LotteryRow {
  concertId: number;
  opensAt: Date;
  drawnAt: Date;
  seed: string;
  entrants: number;
  orderDigest: string;
  entrantsDigest: string;
}

export interface DrawnPlace {
  userId: number;
  seq: number;
  joinedAt: Date;
}

/** Windows, controls and draw state of these concerts, in one statement (once per tick). */
export async function readSales(db: Queryable, concertIds: readonly number[]): Promise<SaleRow[]> {
  if (concertIds.length === 0) return [];
  return db<SaleRow[]>`
    SELECT c.id AS "concertId",
           (SELECT min(s.sales_open_at) FROM schedules s WHERE s.concert_id = c.id) AS "opensAt",
           (SELECT CASE WHEN bool_or(s.sales_close_at IS NULL) THEN NULL ELSE max(s.sales_close_at) END
              FROM schedules s WHERE s.concert_id = c.id) AS "closesAt",
           coalesce(sc.paused, false) AS paused, sc.admit_per_tick AS "admitPerTick",
           sc.max_active AS "maxActive", l.drawn_at AS "drawnAt"
    FROM concerts c
    LEFT JOIN sale_controls sc ON sc.concert_id = c.id
    LEFT JOIN sale_lotteries l ON l.concert_id = c.id
    WHERE c.id = ANY(${concertIds as number[]}::bigint[])`;
}

/** Concerts with an id above `afterId`: whether each is an operator's (it has a venue). */
export async function concertKindsAfter(
  db: Queryable,
  afterId: number,
): Promise<{ concertId: number; operators: boolean }[]> {
  return db<{ concertId: number; operators: boolean }[]>`
    SELECT id AS "concertId", venue_id IS NOT NULL AS operators FROM concerts
    WHERE id > ${afterId} ORDER BY id`;
}

/** True for an operator's concert (it has a venue), false for the demo catalog; undefined if none. */
export async function isOperatorsConcert(db: Queryable, concertId: number): Promise<boolean | undefined> {
  const [row] = await db<{ operators: boolean }[]>`
    SELECT venue_id IS NOT NULL AS operators FROM concerts WHERE id = ${concertId}`;
  return row?.operators;
}

/** Entrants per concert whose pre-queue waits for its draw. */
export async function preQueueSizes(db: Queryable): Promise<{ concertId: number; entrants: number }[]> {
  return db<{ concertId: number; entrants: number }[]>`
    SELECT p.concert_id AS "concertId", count(*)::int AS entrants FROM pre_queue_entrants p
    WHERE NOT EXISTS (SELECT 1 FROM sale_lotteries l WHERE l.concert_id = p.concert_id)
    GROUP BY p.concert_id`;
}

/** Concerts with pre-queued entrants still waiting for their draw (rooms to tick after a restart). */
export async function undrawnSales(db: Queryable): Promise<number[]> {
  const rows = await db<{ concertId: number }[]>`
    SELECT DISTINCT p.concert_id AS "concertId" FROM pre_queue_entrants p
    WHERE NOT EXISTS (SELECT 1 FROM sale_lotteries l WHERE l.concert_id = p.concert_id)`;
  return rows.map((row) => row.concertId);
}

/**
 * The sale's committed secret: drawn the first time it is needed (the fairness page, the
 * first pre-queue join), so it is fixed and its commitment public before anyone joins.
 */
export async function ensureCommitment(db: Queryable, concertId: number, now: Date): Promise<string> {
  const secret = randomBytes(32).toString('hex');
  await db`
    INSERT INTO sale_commitments (concert_id, secret, commitment, created_at)
    VALUES (${concertId}, ${secret}, ${commitmentOf(secret)}, ${now}) ON CONFLICT DO NOTHING`;
  const [row] = await db<{ commitment: string }[]>`
    SELECT commitment FROM sale_commitments WHERE concert_id = ${concertId}`;
  return row!.commitment;
}

/**
 * Joins the pre-queue (when `mayJoin`) or finds the entry, unless the draw ran already
 * (then null: join the line instead). FOR SHARE on the concert row orders it against the
 * draw, which locks the row FOR UPDATE. The salt names the entrant in the published list.
 */
export async function joinPreQueue(sql: Sql, concertId: number, userId: number, now: Date, mayJoin: boolean) {
  return sql.begin(async (tx) => {
    await tx`SELECT 1 FROM concerts WHERE id = ${concertId} FOR SHARE`;
    const [drawn] = await tx`SELECT 1 FROM sale_lotteries WHERE concert_id = ${concertId}`;
    if (drawn) return null;
    if (mayJoin) {
      await ensureCommitment(tx, concertId, now);
      await tx`
        INSERT INTO pre_queue_entrants (concert_id, user_id, joined_at, salt)
        VALUES (${concertId}, ${userId}, ${now}, ${randomBytes(16).toString('hex')})
        ON CONFLICT DO NOTHING`;
    }
    const [row] = await tx<{ joinedAt: Date; salt: string }[]>`
      SELECT joined_at AS "joinedAt", salt FROM pre_queue_entrants
      WHERE concert_id = ${concertId} AND user_id = ${userId}`;
    return row ?? null;
  });
}

export async function findLottery(db: Queryable, concertId: number): Promise<LotteryRow | undefined> {
  const [row] = await db<LotteryRow[]>`
    SELECT concert_id AS "concertId", opens_at AS "opensAt", drawn_at AS "drawnAt", seed, entrants,
           order_digest AS "orderDigest", entrants_digest AS "entrantsDigest"
    FROM sale_lotteries WHERE concert_id = ${concertId}`;
  return row;
}

export async function drawnPlaces(db: Queryable, concertId: number): Promise<DrawnPlace[]> {
  return db<DrawnPlace[]>`
    SELECT user_id AS "userId", seq, joined_at AS "joinedAt" FROM pre_queue_entrants
    WHERE concert_id = ${concertId} AND seq IS NOT NULL ORDER BY seq`;
}

export interface Entrant {
  userId: number;
  salt: string;
}

export async function entrants(db: Queryable, concertId: number): Promise<Entrant[]> {
  return db<Entrant[]>`
    SELECT user_id AS "userId", salt FROM pre_queue_entrants WHERE concert_id = ${concertId} ORDER BY user_id`;
}

export async function findSecret(db: Queryable, concertId: number) {
  const [row] = await db<{ secret: string; commitment: string }[]>`
    SELECT secret, commitment FROM sale_commitments WHERE concert_id = ${concertId}`;
  return row;
}

export interface Draw {
  /** User ids in drawn order. */
  order: number[];
  seed: string;
  orderDigest: string;
  entrantsDigest: string;
}

/**
 * The draw, once per sale: under the concert row's lock (against late pre-queue joins
 * and a racing draw in another process), records the seed and the digests and gives
 * each entrant its place. Places end just below opensAt·1000, the first arrival number a
 * fresh line could hand out at the opening: everyone drawn is ahead of every later
 * arrival. Returns false when another process drew first.
 */
export async function recordDraw(
  sql: Sql,
  concertId: number,
  draw: (secret: string, entrants: Entrant[]) => Draw,
  opensAt: Date,
  now: Date,
): Promise<boolean> {
  return sql.begin(async (tx: Tx) => {
    await tx`SELECT 1 FROM concerts WHERE id = ${concertId} FOR UPDATE`;
    if (await findLottery(tx, concertId)) return false;
    await ensureCommitment(tx, concertId, now);
    const { secret } = (await findSecret(tx, concertId))!;
    const { seed, order, orderDigest, entrantsDigest } = draw(secret, await entrants(tx, concertId));
    const base = opensAt.getTime() * 1000 - order.length;
    await tx`
      INSERT INTO sale_lotteries (concert_id, opens_at, drawn_at, seed, entrants, order_digest, entrants_digest)
      VALUES (${concertId}, ${opensAt}, ${now}, ${seed}, ${order.length}, ${orderDigest}, ${entrantsDigest})`;
    if (order.length > 0) {
      const seqs = order.map((_, i) => base + i);
      await tx`
        UPDATE pre_queue_entrants p SET seq = d.seq
        FROM unnest(${order}::bigint[], ${seqs}::bigint[]) AS d(user_id, seq)
        WHERE p.concert_id = ${concertId} AND p.user_id = d.user_id`;
    }
    return true;
  });
}

/** Live controls (no row: defaults); returns the row as it is after the change. */
export interface ControlsRow {
  paused: boolean;
  admitPerTick: number | null;
  maxActive: number | null;
}

export async function readControls(db: Queryable, concertId: number): Promise<ControlsRow> {
  const [row] = await db<ControlsRow[]>`
    SELECT paused, admit_per_tick AS "admitPerTick", max_active AS "maxActive"
    FROM sale_controls WHERE concert_id = ${concertId}`;
  return row ?? { paused: false, admitPerTick: null, maxActive: null };
}

export async function writeControls(db: Queryable, concertId: number, c: ControlsRow, now: Date) {
  await db`
    INSERT INTO sale_controls (concert_id, paused, admit_per_tick, max_active, updated_at)
    VALUES (${concertId}, ${c.paused}, ${c.admitPerTick}, ${c.maxActive}, ${now})
    ON CONFLICT (concert_id) DO UPDATE SET paused = EXCLUDED.paused,
      admit_per_tick = EXCLUDED.admit_per_tick, max_active = EXCLUDED.max_active, updated_at = EXCLUDED.updated_at`;
}
