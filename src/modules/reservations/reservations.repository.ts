import { type Queryable, type Sql, withIndexScans } from '../../db/client.js';
import type { OnceRow } from '../../db/idempotency/index.js';

export type ReservationStatus = 'ON_HOLD' | 'CONFIRMED' | 'EXPIRED' | 'RELEASED' | 'REFUNDED';

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
  /** TICKET_LIMIT_PER_USER, for concerts without a limit of their own. */
  defaultTicketLimit: number;
}

/** Why a hold matched nothing, as sd_hold read it under the user's sale lock (JSON: instants are strings). */
export interface HoldDiagnosis {
  /** The schedule exists and is the concert's. */
  found: boolean;
  seatExists: boolean;
  salesOpenAt: string | null;
  salesCloseAt: string | null;
  live: number;
  ticketLimit: number;
}

/**
 * The hold, its idempotency record and its diagnosis, in one statement and one round
 * trip (sd_hold, migrations 008 and 011). Inside: the key's claim; the user's sale lock (a
 * transaction-scoped advisory lock on user and concert, so one user's holds of one concert run one after
 * another, each counting what the previous one committed); then the conditional UPDATE
 * of the seat, which changes the row only if it is free or its hold has expired.
 * PostgreSQL re-checks that condition on the newest row version after waiting for a
 * competing writer, so of any number of concurrent holders exactly one matches. Only
 * then a previous holder's lapsed reservation is marked EXPIRED (the unique index on
 * live reservations requires it) and the new reservation is inserted. The seat matches
 * only while the sale is open and the user is under the concert's ticket limit.
 */
export async function holdOnce(sql: Sql, hold: HoldRequest, key: string, hash: string) {
  const { reservationId, userId, concertId, scheduleId, seatNumber, now, expiresAt } = hold;
  const [row] = await sql<OnceRow[]>`
    SELECT outcome, status, body, effect FROM sd_hold(${userId}, ${key}, ${hash}, ${reservationId},
      ${concertId}, ${scheduleId}, ${seatNumber}, ${now}, ${expiresAt}, ${hold.defaultTicketLimit})`;
  return row;
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
  // By index only: planned from stale statistics, the seat step hash-joined a sequential scan
  // of `seats` once many lapsed holds were estimated. SKIP LOCKED never waits, so doing both
  // steps in one transaction holds no lock that anyone waits on for long.
  return withIndexScans(sql, async (tx) => {
    const expired = await tx`
      UPDATE reservations SET status = 'EXPIRED'
      WHERE id IN (SELECT id FROM reservations WHERE status = 'ON_HOLD' AND hold_expires_at <= ${now}
                   ORDER BY hold_expires_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
    await tx`
      UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
      WHERE (schedule_id, seat_number) IN (
        SELECT schedule_id, seat_number FROM seats WHERE status = 'HELD' AND hold_expires_at <= ${now}
        LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
    return expired.count;
  });
}
