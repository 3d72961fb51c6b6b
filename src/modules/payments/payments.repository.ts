import type { Tx } from '../../db/client.js';

/**
 * Turns the held seat into a sold one, only while this reservation's hold is live.
 * It is the first lock a payment takes, the same row a hold locks first, so
 * payments and holds of one seat queue up on it instead of deadlocking.
 */
export async function confirmSeat(
  tx: Tx,
  {
    reservationId,
    scheduleId,
    seatNumber,
    now,
  }: { reservationId: string; scheduleId: number; seatNumber: number; now: Date },
): Promise<boolean> {
  const rows = await tx`
    UPDATE seats SET status = 'RESERVED', hold_expires_at = NULL
    WHERE schedule_id = ${scheduleId} AND seat_number = ${seatNumber}
      AND reservation_id = ${reservationId} AND status = 'HELD' AND hold_expires_at > ${now}`;
  return rows.count === 1;
}

/** ON_HOLD → CONFIRMED, only while the hold is live (the sweeper may have expired it). */
export async function confirmReservation(tx: Tx, reservationId: string, now: Date): Promise<boolean> {
  const rows = await tx`
    UPDATE reservations SET status = 'CONFIRMED', confirmed_at = ${now}
    WHERE id = ${reservationId} AND status = 'ON_HOLD' AND hold_expires_at > ${now}`;
  return rows.count === 1;
}

export async function insertPayment(
  tx: Tx,
  payment: { paymentId: string; reservationId: string; userId: number; amount: number; at: Date },
): Promise<void> {
  await tx`
    INSERT INTO payments (id, reservation_id, user_id, amount, created_at)
    VALUES (${payment.paymentId}, ${payment.reservationId}, ${payment.userId}, ${payment.amount}, ${payment.at})`;
}
