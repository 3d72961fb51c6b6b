import type { Queryable, Sql, Tx } from '../../db/client.js';

export type ReservationStatus = 'ON_HOLD' | 'CONFIRMED' | 'EXPIRED';

export interface ReservationRow {
  reservationId: string;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  status: ReservationStatus;
  holdExpiresAt: Date;
  price: number;
}

export interface HoldRequest {
  reservationId: string;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  now: Date;
  expiresAt: Date;
}

/**
 * The hold, in one statement. Its core is a conditional UPDATE: the seat row changes
 * only if it is free or its hold has expired; PostgreSQL re-checks that condition on
 * the newest row version after waiting for a competing writer, so of any number of
 * concurrent holders exactly one matches. Only then, in the same statement, a
 * previous holder's lapsed reservation is marked EXPIRED (the unique index on live
 * reservations requires it) and the new reservation is inserted. Returns the price,
 * or undefined when the seat was not free (or the schedule is not the concert's).
 */
export async function holdSeat(tx: Tx, hold: HoldRequest): Promise<number | undefined> {
  const { reservationId, userId, concertId, scheduleId, seatNumber, now, expiresAt } = hold;
  const [row] = await tx<{ price: number }[]>`
    WITH held AS (
      UPDATE seats SET status = 'HELD', reservation_id = ${reservationId}, hold_expires_at = ${expiresAt}
      WHERE schedule_id = ${scheduleId} AND seat_number = ${seatNumber}
        AND (status = 'AVAILABLE' OR (status = 'HELD' AND hold_expires_at <= ${now}))
        AND EXISTS (SELECT 1 FROM schedules WHERE id = ${scheduleId} AND concert_id = ${concertId})
      RETURNING price
    ), lapsed AS (
      UPDATE reservations SET status = 'EXPIRED'
      WHERE schedule_id = ${scheduleId} AND seat_number = ${seatNumber} AND status = 'ON_HOLD'
        AND EXISTS (SELECT 1 FROM held)
      RETURNING 1
    )
    INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
    SELECT ${reservationId}, ${userId}, ${concertId}, ${scheduleId}, ${seatNumber}, held.price, 'ON_HOLD', ${expiresAt}, ${now}
    FROM held, (SELECT count(*) FROM lapsed) AS lapsed_first -- the lapsed hold is expired before the insert
    RETURNING price`;
  return row?.price;
}

export async function findReservation(
  db: Queryable,
  reservationId: string,
): Promise<ReservationRow | undefined> {
  const [row] = await db<ReservationRow[]>`
    SELECT id AS "reservationId", user_id AS "userId", concert_id AS "concertId", schedule_id AS "scheduleId",
           seat_number AS "seatNumber", status, hold_expires_at AS "holdExpiresAt", price
    FROM reservations WHERE id = ${reservationId}`;
  return row;
}

/**
 * The sweeper's work: marks lapsed holds EXPIRED and frees their seats, in batches.
 * SKIP LOCKED means it never waits for (or deadlocks with) a reservation or payment
 * in flight, and several processes sweeping at once split the rows between them.
 */
export async function sweepExpiredHolds(sql: Sql, now: Date, batch = 1000): Promise<number> {
  const expired = await sql`
    UPDATE reservations SET status = 'EXPIRED'
    WHERE id IN (SELECT id FROM reservations WHERE status = 'ON_HOLD' AND hold_expires_at <= ${now}
                 ORDER BY hold_expires_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  await sql`
    UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
    WHERE (schedule_id, seat_number) IN (
      SELECT schedule_id, seat_number FROM seats WHERE status = 'HELD' AND hold_expires_at <= ${now}
      LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  return expired.count;
}
