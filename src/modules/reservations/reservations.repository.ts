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
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  now: Date;
  expiresAt: Date;
}

/**
 * The hold: one conditional UPDATE. The seat row changes only if it is free or its
 * hold has expired; PostgreSQL re-checks that condition on the newest row version
 * after waiting for a competing writer, so of any number of concurrent holders
 * exactly one matches. Returns the seat's price, or undefined when it was not free.
 */
export async function holdSeat(tx: Tx, hold: HoldRequest): Promise<number | undefined> {
  const [row] = await tx<{ price: number }[]>`
    UPDATE seats SET status = 'HELD', reservation_id = ${hold.reservationId}, hold_expires_at = ${hold.expiresAt}
    WHERE schedule_id = ${hold.scheduleId} AND seat_number = ${hold.seatNumber}
      AND (status = 'AVAILABLE' OR (status = 'HELD' AND hold_expires_at <= ${hold.now}))
      AND EXISTS (SELECT 1 FROM schedules WHERE id = ${hold.scheduleId} AND concert_id = ${hold.concertId})
    RETURNING price`;
  return row?.price;
}

/**
 * Records a hold taken by `holdSeat` in the same transaction. A previous holder's
 * lapsed reservation of this seat is marked EXPIRED first, which the unique index
 * on live reservations requires; the seat row lock we hold makes this race-free.
 */
export async function insertReservation(
  tx: Tx,
  row: Omit<ReservationRow, 'status'> & { createdAt: Date },
): Promise<void> {
  await tx`
    UPDATE reservations SET status = 'EXPIRED'
    WHERE schedule_id = ${row.scheduleId} AND seat_number = ${row.seatNumber} AND status = 'ON_HOLD'`;
  await tx`
    INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
    VALUES (${row.reservationId}, ${row.userId}, ${row.concertId}, ${row.scheduleId}, ${row.seatNumber}, ${row.price},
            'ON_HOLD', ${row.holdExpiresAt}, ${row.createdAt})`;
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
