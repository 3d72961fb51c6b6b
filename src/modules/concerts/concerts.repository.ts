import type { Queryable } from '../../db/client.js';

export interface ConcertRow {
  concertId: number;
  title: string;
  artist: string;
  venue: string;
}

export interface ScheduleRow {
  scheduleId: number;
  startsAt: Date;
  salesOpenAt: Date | null;
  salesCloseAt: Date | null;
  availableSeats: number;
  totalSeats: number;
}

export type SeatStatus = 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';

export async function listConcerts(db: Queryable): Promise<ConcertRow[]> {
  return db<ConcertRow[]>`
    SELECT id AS "concertId", title, artist, venue FROM concerts ORDER BY id`;
}

export async function concertExists(db: Queryable, concertId: number): Promise<boolean> {
  return (await db`SELECT 1 FROM concerts WHERE id = ${concertId}`).length > 0;
}

/**
 * All schedules of a concert with live availability: a hold past its expiry counts as free.
 * Seats are counted per schedule (LATERAL), so they are always read by the seat key: as a
 * join, a freshly seeded catalog without statistics was hash-joined to a sequential scan of
 * every seat (issue 18). A schedule without seats is left out, as the join did.
 */
export async function listSchedules(db: Queryable, concertId: number, now: Date): Promise<ScheduleRow[]> {
  return db<ScheduleRow[]>`
    SELECT sc.id AS "scheduleId", sc.starts_at AS "startsAt",
           sc.sales_open_at AS "salesOpenAt", sc.sales_close_at AS "salesCloseAt",
           counted.available AS "availableSeats", counted.total AS "totalSeats"
    FROM schedules sc
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE st.status = 'AVAILABLE'
                                 OR (st.status = 'HELD' AND st.hold_expires_at <= ${now}))::int AS available,
             count(*)::int AS total
      FROM seats st WHERE st.schedule_id = sc.id
    ) AS counted
    WHERE sc.concert_id = ${concertId} AND counted.total > 0
    ORDER BY sc.starts_at, sc.id`;
}

export interface StoredSeat {
  seatNumber: number;
  price: number;
  status: 'AVAILABLE' | 'HELD' | 'RESERVED';
  holdExpiresAt: Date | null;
  section: string;
  label: string;
}

/** A schedule's sales window; null bounds mean no limit on that side. */
export interface SalesWindow {
  salesOpenAt: Date | null;
  salesCloseAt: Date | null;
}

export interface StoredSeatMap extends SalesWindow {
  concertId: number;
  seats: StoredSeat[];
}

export type SaleState = 'OPEN' | 'NOT_OPEN' | 'CLOSED';

/** Where `now` falls in the window; the SQL of a hold or payment applies the same rule. */
export function saleState({ salesOpenAt, salesCloseAt }: SalesWindow, now: number): SaleState {
  if (salesOpenAt !== null && now < salesOpenAt.getTime()) return 'NOT_OPEN';
  if (salesCloseAt !== null && now >= salesCloseAt.getTime()) return 'CLOSED';
  return 'OPEN';
}

/** The seats of a schedule as stored (a hold's status is decided at read time); undefined for no such schedule. */
export async function loadSeatMap(db: Queryable, scheduleId: number): Promise<StoredSeatMap | undefined> {
  const rows = await db<(StoredSeat & SalesWindow & { concertId: number })[]>`
    SELECT sc.concert_id AS "concertId", sc.sales_open_at AS "salesOpenAt", sc.sales_close_at AS "salesCloseAt",
           st.seat_number AS "seatNumber", st.price, st.status, st.hold_expires_at AS "holdExpiresAt",
           st.section, coalesce(st.label, st.section || '-' || st.seat_number) AS label
    FROM seats st JOIN schedules sc ON sc.id = st.schedule_id
    WHERE st.schedule_id = ${scheduleId}
    ORDER BY st.seat_number`;
  if (rows.length === 0) return undefined;
  const { concertId, salesOpenAt, salesCloseAt } = rows[0]!;
  return {
    concertId,
    salesOpenAt,
    salesCloseAt,
    seats: rows.map(({ seatNumber, price, status, holdExpiresAt, section, label }) => ({
      seatNumber,
      price,
      status,
      holdExpiresAt,
      section,
      label,
    })),
  };
}

/** What a client sees: a hold counts only until it expires. */
export function seatStatus(seat: StoredSeat, now: number): SeatStatus {
  if (seat.status === 'RESERVED') return 'RESERVED';
  if (seat.status === 'HELD' && seat.holdExpiresAt !== null && seat.holdExpiresAt.getTime() > now)
    return 'TEMP_RESERVED';
  return 'AVAILABLE';
}

export async function scheduleBelongsTo(
  db: Queryable,
  concertId: number,
  scheduleId: number,
): Promise<boolean> {
  return (
    (await db`SELECT 1 FROM schedules WHERE id = ${scheduleId} AND concert_id = ${concertId}`).length > 0
  );
}
