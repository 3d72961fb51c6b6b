import type { Sql } from 'postgres';

export interface SaleFigures {
  concertId: number;
  scheduleId: number;
  title: string;
  startsAt: string;
  salesOpenAt: string | null;
  salesCloseAt: string | null;
  ticketLimit: number | null;
  seats: number;
  holds: number;
  sold: number;
  revenue: number;
}

/**
 * Sales whose show has not started (the next `limit` by opening, then show time), each
 * counted from its own seats by primary-key prefix: holds live now, seats sold, and the
 * revenue those sold seats stand for (a refund frees the seat, so it drops out at once).
 */
export async function saleFigures(sql: Sql, now: Date, limit: number): Promise<SaleFigures[]> {
  const rows = await sql<SaleFigures[]>`
    SELECT s.concert_id::int AS "concertId", s.id::int AS "scheduleId", c.title,
           s.starts_at AS "startsAt", s.sales_open_at AS "salesOpenAt", s.sales_close_at AS "salesCloseAt",
           c.ticket_limit AS "ticketLimit", x.seats, x.holds, x.sold, x.revenue
    FROM (SELECT id, concert_id, starts_at, sales_open_at, sales_close_at FROM schedules
          WHERE starts_at > ${now}
          ORDER BY sales_open_at DESC NULLS LAST, starts_at LIMIT ${limit}) s
    JOIN concerts c ON c.id = s.concert_id
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS seats,
             (count(*) FILTER (WHERE status = 'HELD' AND hold_expires_at > ${now}))::int AS holds,
             (count(*) FILTER (WHERE status = 'RESERVED'))::int AS sold,
             coalesce(sum(price) FILTER (WHERE status = 'RESERVED'), 0)::bigint AS revenue
      FROM seats WHERE schedule_id = s.id) x
    ORDER BY s.sales_open_at DESC NULLS LAST, s.starts_at`;
  return rows.map((r) => ({
    ...r,
    startsAt: new Date(r.startsAt).toISOString(),
    salesOpenAt: r.salesOpenAt ? new Date(r.salesOpenAt).toISOString() : null,
    salesCloseAt: r.salesCloseAt ? new Date(r.salesCloseAt).toISOString() : null,
    revenue: Number(r.revenue),
  }));
}

export interface RoomControlsRow {
  concertId: number;
  title: string;
  ticketLimit: number | null;
  paused: boolean;
  admitPerTick: number | null;
  maxActive: number | null;
  opensAt: string | null;
  drawn: boolean;
  /** Users in the pre-queue (PostgreSQL) until the opening's draw puts them in line. */
  preQueue: number;
}

/**
 * Per concert: its sale room's live controls, whether the opening was drawn, and the
 * pre-queue's size (entrants of a sale not drawn yet; 0 after the draw, when they are in line).
 */
export async function roomControls(sql: Sql, concertIds: readonly number[]): Promise<RoomControlsRow[]> {
  if (concertIds.length === 0) return [];
  const rows = await sql<(Omit<RoomControlsRow, 'opensAt'> & { opensAt: Date | null })[]>`
    SELECT c.id::int AS "concertId", c.title, c.ticket_limit AS "ticketLimit",
           coalesce(sc.paused, false) AS paused, sc.admit_per_tick AS "admitPerTick",
           sc.max_active AS "maxActive",
           (SELECT min(s.sales_open_at) FROM schedules s WHERE s.concert_id = c.id) AS "opensAt",
           (l.concert_id IS NOT NULL) AS drawn,
           CASE WHEN l.concert_id IS NULL
                THEN (SELECT count(*) FROM pre_queue_entrants p WHERE p.concert_id = c.id)::int
                ELSE 0 END AS "preQueue"
    FROM concerts c
    LEFT JOIN sale_controls sc ON sc.concert_id = c.id
    LEFT JOIN sale_lotteries l ON l.concert_id = c.id
    WHERE c.id = ANY(${concertIds as number[]}::bigint[])
    ORDER BY c.id DESC`;
  return rows.map((r) => ({ ...r, opensAt: r.opensAt ? new Date(r.opensAt).toISOString() : null }));
}
