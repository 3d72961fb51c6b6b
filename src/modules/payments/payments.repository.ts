import { type Sql, withIndexScans } from '../../db/client.js';
import { type OnceRow, runOnce } from '../../db/idempotency/index.js';
import type { ReservationRow } from '../reservations/reservations.repository.js';

export interface PayRequest {
  userId: number;
  key: string;
  hash: string;
  reservationId: string;
  amount: number;
  paymentId: string;
  now: Date;
  /** The queue place the payment ends: its revocation is stored with the payment. */
  queue: { room: string; seq: number };
}

/** Why sd_pay changed nothing: a code, or the reservation as committed now and its sales window. */
export interface PaymentRefusal {
  code?: 'RESERVATION_EXPIRED' | 'INSUFFICIENT_BALANCE';
  price?: number;
  reservation?: Omit<ReservationRow, 'holdExpiresAt'> & { holdExpiresAt: string };
  salesOpenAt?: string | null;
  salesCloseAt?: string | null;
}

/** The sold seat, for the after-commit seat-map notice. */
export interface PaidSeat {
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  price: number;
}

/**
 * The payment in one statement and one round trip (sd_pay, migrations 008 and 011): the key's
 * claim; the seat becomes RESERVED only while this user's reservation holds it, live, at
 * its price, in an open sale (the first lock a payment takes, the same row a hold locks
 * first, so payments and holds of one seat queue instead of deadlocking); the reservation
 * CONFIRMED; the payment row; a conditional debit (balance >= price) and its ledger row;
 * the stored answer. A refusal after a write raises SD409, which undoes the writes with
 * the statement (runOnce reads it as the refusal).
 */
export async function payOnce(sql: Sql, pay: PayRequest) {
  return runOnce(sql<OnceRow[]>`
    SELECT outcome, status, body, effect FROM sd_pay(${pay.userId}, ${pay.key}, ${pay.hash},
      ${pay.reservationId}, ${pay.amount}, ${pay.paymentId}, ${pay.now}, ${pay.queue.room}, ${pay.queue.seq})`);
}

/** Queue places ended by payments made at or after `since` (index-driven: payments_by_time). */
export async function paidQueuePlaces(
  sql: Sql,
  since: Date,
): Promise<{ room: string; seq: number; paidAt: Date }[]> {
  // Once per tick, by index only: with statistics from a smaller table the last seconds'
  // payments were estimated at a third of it, and read by a sequential scan (see withIndexScans).
  return withIndexScans(
    sql,
    (tx) => tx<{ room: string; seq: number; paidAt: Date }[]>`
      SELECT queue_room AS room, queue_seq AS seq, created_at AS "paidAt" FROM payments
      WHERE created_at >= ${since} AND queue_seq IS NOT NULL`,
  );
}
