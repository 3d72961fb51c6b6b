import type { Sql } from '../../db/client.js';
import type { OnceRow } from '../../db/idempotency/index.js';
import type { ReservationRow } from '../reservations/reservations.repository.js';

/** A reservation as an operation function reports it in JSON (the expiry as a string). */
export type ReservationJson = Omit<ReservationRow, 'holdExpiresAt'> & { holdExpiresAt: string };

export const rowFromJson = (json: ReservationJson): ReservationRow => ({
  ...json,
  holdExpiresAt: new Date(json.holdExpiresAt),
});

/** Why a release or refund changed nothing: no reservation, or it as committed now (and the show's start). */
export interface ReturnRefusal {
  reservation?: ReservationJson;
  startsAt?: string;
}

/** The freed seat, for the after-commit seat-map notice. */
export interface FreedSeat {
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  price: number;
}

export interface ReturnRequest {
  reservationId: string;
  userId: number;
  key: string;
  hash: string;
  now: Date;
}

/**
 * A release in one statement and one round trip (sd_release, migration 008): the key's
 * claim; the seat is freed only if it is still held, live, by this reservation of this
 * user (the seat row lock is taken first, as a hold and a payment take it, so they
 * queue up behind each other); only then the reservation becomes RELEASED; the stored
 * answer. It writes nothing unless all of it matched.
 */
export async function releaseOnce(sql: Sql, { reservationId, userId, key, hash, now }: ReturnRequest) {
  const [row] = await sql<OnceRow[]>`
    SELECT outcome, status, body, effect FROM sd_release(${userId}, ${key}, ${hash}, ${reservationId}, ${now})`;
  return row;
}

/**
 * A refund in one statement and one round trip (sd_refund, migration 008), all or
 * nothing: the sold seat is freed (only while it is this user's confirmed reservation's
 * and the show has not started), the reservation becomes REFUNDED, the payment is marked
 * refunded (only once: refunded_at IS NULL), the price goes back to the balance and a
 * REFUND ledger row names the payment (a unique index allows one per payment). Lock
 * order as a payment's: seat → reservation → payment → user.
 */
export async function refundOnce(sql: Sql, { reservationId, userId, key, hash, now }: ReturnRequest) {
  const [row] = await sql<OnceRow[]>`
    SELECT outcome, status, body, effect FROM sd_refund(${userId}, ${key}, ${hash}, ${reservationId}, ${now})`;
  return row;
}
