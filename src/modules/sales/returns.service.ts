import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { requestHash, settleOnce } from '../../db/idempotency/index.js';
import { type AppError, conflict, forbidden, notFound } from '../../errors.js';
import type { SeatChange } from '../concerts/concerts.service.js';
import type { ReservationRow } from '../reservations/reservations.repository.js';
import { type ReservationView, toView } from '../reservations/reservations.service.js';
import {
  type FreedSeat,
  type ReturnRefusal,
  refundOnce,
  releaseOnce,
  rowFromJson,
} from './returns.repository.js';

export interface RefundReceipt {
  reservationId: string;
  paymentId: string;
  status: 'REFUNDED';
  refunded: number;
  balanceAfter: number;
}

export interface ReturnsDeps {
  sql: Sql;
  clock: Clock;
  /** After commit, before the answer: the freed seat reads AVAILABLE everywhere at once. */
  onSeatChanged(change: SeatChange): Promise<void>;
  log: ErrorLog;
}

const unknown = (id: string) => notFound('RESERVATION_NOT_FOUND', `Reservation ${id} does not exist.`);
const othersReservation = () =>
  forbidden('RESERVATION_OF_ANOTHER_USER', 'This reservation is another user’s.');
const confirmed = (id: string) =>
  conflict('RESERVATION_ALREADY_CONFIRMED', `Reservation ${id} is paid: refund it instead.`);
const refundedAlready = (id: string) =>
  conflict('ALREADY_REFUNDED', `Reservation ${id} is already refunded.`);

/** Why a release matched nothing, from the reservation as it is now. */
function releaseRefusal(row: ReservationRow, userId: number, now: number): AppError {
  if (row.userId !== userId) return othersReservation();
  if (row.status === 'CONFIRMED') return confirmed(row.reservationId);
  if (row.status === 'REFUNDED') return refundedAlready(row.reservationId);
  const status = toView(row, now).status.toLowerCase();
  return conflict('RESERVATION_NOT_HELD', `Reservation ${row.reservationId} is no longer held (${status}).`);
}

/** Why a refund matched nothing. */
function refundRefusal(row: ReservationRow, startsAt: Date, userId: number, now: number): AppError {
  if (row.userId !== userId) return othersReservation();
  if (row.status === 'REFUNDED') return refundedAlready(row.reservationId);
  if (row.status !== 'CONFIRMED') {
    return conflict(
      'RESERVATION_NOT_CONFIRMED',
      `Reservation ${row.reservationId} is not paid; release a hold instead.`,
    );
  }
  if (startsAt.getTime() <= now) {
    return conflict(
      'REFUND_WINDOW_CLOSED',
      `The show started at ${startsAt.toISOString()}; no refunds after that.`,
    );
  }
  return conflict('REFUND_FAILED', `Reservation ${row.reservationId} could not be refunded; try again.`);
}

export type ReturnsService = ReturnType<typeof createReturnsService>;

/** Giving seats back: a hold (release) or a paid seat (refund), each at most once. */
export function createReturnsService({ sql, clock, onSeatChanged, log }: ReturnsDeps) {
  const request = (userId: number, key: string, reservationId: string) => ({
    reservationId,
    userId,
    key,
    hash: requestHash({ reservationId }),
    now: new Date(clock.now()),
  });
  const freed = async (seat: FreedSeat | undefined) => {
    if (!seat) return; // a replay: its notice went out the first time
    const change: SeatChange = { ...seat, status: 'AVAILABLE', holdExpiresAt: null };
    await afterCommit(log, 'seat change notice', () => onSeatChanged(change));
  };

  return {
    async release(reservationId: string, userId: number, idempotencyKey: string) {
      const req = request(userId, idempotencyKey, reservationId);
      // One statement, one round trip: claim, seat → reservation, stored answer.
      const once = settleOnce<ReservationView, ReturnRefusal, FreedSeat>(await releaseOnce(sql, req));
      if (once.refused) {
        if (!once.why.reservation) throw unknown(reservationId);
        throw releaseRefusal(rowFromJson(once.why.reservation), userId, req.now.getTime());
      }
      await freed(once.effect);
      return once.result;
    },

    async refund(reservationId: string, userId: number, idempotencyKey: string) {
      const req = request(userId, idempotencyKey, reservationId);
      // One statement, one round trip: claim, seat → reservation → payment → user → ledger, stored answer.
      const once = settleOnce<RefundReceipt, ReturnRefusal, FreedSeat>(await refundOnce(sql, req));
      if (once.refused) {
        const { reservation, startsAt } = once.why;
        if (!reservation || !startsAt) throw unknown(reservationId);
        throw refundRefusal(rowFromJson(reservation), new Date(startsAt), userId, req.now.getTime());
      }
      await freed(once.effect);
      return once.result;
    },
  };
}
