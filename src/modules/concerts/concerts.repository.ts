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
  availableSeats: number;
  totalSeats: number;
}

export type SeatStatus = 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';

export interface SeatRow {
  seatNumber: number;
  status: SeatStatus;
  price: number;
}

export async function listConcerts(db: Queryable): Promise<ConcertRow[]> {
  return db<ConcertRow[]>`
    SELECT id AS "concertId", title, artist, venue FROM concerts ORDER BY id`;
}

export async function concertExists(db: Queryable, concertId: number): Promise<boolean> {
  return (await db`SELECT 1 FROM concerts WHERE id = ${concertId}`).length > 0;
}

/** All schedules of a concert with live availability: a hold past its expiry counts as free. */
export async function listSchedules(db: Queryable, concertId: number, now: Date): Promise<ScheduleRow[]> {
  return db<ScheduleRow[]>`
    SELECT sc.id AS "scheduleId", sc.starts_at AS "startsAt",
           count(*) FILTER (WHERE st.status = 'AVAILABLE'
                               OR (st.status = 'HELD' AND st.hold_expires_at <= ${now}))::int AS "availableSeats",
           count(*)::int AS "totalSeats"
    FROM schedules sc JOIN seats st ON st.schedule_id = sc.id
    WHERE sc.concert_id = ${concertId}
    GROUP BY sc.id
    ORDER BY sc.starts_at, sc.id`;
}

/** The seat map of a schedule of that concert; empty when there is no such schedule. */
export async function listSeats(
  db: Queryable,
  concertId: number,
  scheduleId: number,
  now: Date,
): Promise<SeatRow[]> {
  return db<SeatRow[]>`
    SELECT st.seat_number AS "seatNumber", st.price,
           CASE WHEN st.status = 'RESERVED' THEN 'RESERVED'
                WHEN st.status = 'HELD' AND st.hold_expires_at > ${now} THEN 'TEMP_RESERVED'
                ELSE 'AVAILABLE' END AS status
    FROM seats st JOIN schedules sc ON sc.id = st.schedule_id
    WHERE st.schedule_id = ${scheduleId} AND sc.concert_id = ${concertId}
    ORDER BY st.seat_number`;
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
