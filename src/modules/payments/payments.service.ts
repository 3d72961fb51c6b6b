import { randomUUID } from 'node:crypto';
import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { findReplay, type IdempotencyScope, requestHash, settleOnce } from '../../db/idempotency/index.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import { saleState } from '../concerts/concerts.repository.js';
import type { SeatChange } from '../concerts/concerts.service.js';
import type { TokenClaims } from '../queue/queue-token.js';
import type { ReservationRow } from '../reservations/reservations.repository.js';
import { saleRefusal, windowFromJson } from '../reservations/sale-window.js';
import { type PaidSeat, type PaymentRefusal, paidQueuePlaces, payOnce } from './payments.repository.js';

export interface PayInput {
  reservationId: string;
  amount: number;
}

export interface PaymentReceipt {
  paymentId: string;
  reservationId: string;
  amount: number;
  balanceAfter: number;
  status: 'CONFIRMED';
  queueTokenExpired: true;
}

export interface PaymentsDeps {
  sql: Sql;
  clock: Clock;
  /** Ends the payer's queue session after the payment commits. */
  expireQueueToken(claims: TokenClaims): Promise<unknown>;
  onSeatChanged(change: SeatChange): Promise<void>;
  log: ErrorLog;
}

const scopeOf = (claims: TokenClaims, key: string, input: PayInput): IdempotencyScope => ({
  userId: claims.userId,
  operation: 'pay',
  key,
  payload: input,
});

const holdLapsed = (id: string) =>
  notFound('RESERVATION_EXPIRED', `The hold of reservation ${id} has expired.`);
const alreadyPaid = (id: string) =>
  conflict('RESERVATION_ALREADY_CONFIRMED', `Reservation ${id} is already paid.`);

/** Why a reservation cannot be paid now, or nothing when it can. */
function refuse(
  row: ReservationRow | undefined,
  input: PayInput,
  userId: number,
  now: Date,
): AppError | undefined {
  if (!row) return notFound('RESERVATION_NOT_FOUND', `Reservation ${input.reservationId} does not exist.`);
  if (row.userId !== userId)
    return forbidden('RESERVATION_OF_ANOTHER_USER', 'This reservation is another user’s.');
  if (row.status === 'CONFIRMED') return alreadyPaid(row.reservationId);
  if (row.status === 'RELEASED')
    return notFound('RESERVATION_RELEASED', `Reservation ${row.reservationId} was released.`);
  if (row.status === 'REFUNDED')
    return conflict('ALREADY_REFUNDED', `Reservation ${row.reservationId} was paid and refunded.`);
  if (row.status === 'EXPIRED' || row.holdExpiresAt <= now) return holdLapsed(row.reservationId);
  if (input.amount !== row.price) {
    return badRequest(
      'PAYMENT_AMOUNT_MISMATCH',
      `The amount must be the reservation's price, ${row.price} won.`,
    );
  }
  return undefined;
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;

/** Why sd_pay matched nothing: the same reasons, in the same order, as when the app read first. */
function payRefusal(why: PaymentRefusal, input: PayInput, userId: number, now: Date): AppError {
  if (why.code === 'RESERVATION_EXPIRED') return holdLapsed(input.reservationId);
  if (why.code === 'INSUFFICIENT_BALANCE') {
    return new AppError(
      'INSUFFICIENT_BALANCE',
      402,
      `The balance does not cover ${why.price} won; charge first.`,
    );
  }
  const json = why.reservation;
  const row: ReservationRow | undefined = json && { ...json, holdExpiresAt: new Date(json.holdExpiresAt) };
  const refusal = refuse(row, input, userId, now);
  if (refusal) return refusal;
  const window = windowFromJson(why);
  const shut = saleRefusal(saleState(window, now.getTime()), window);
  if (shut) return shut;
  // Lost a race: the seat was no longer held by this reservation although it still reads ON_HOLD.
  return holdLapsed(input.reservationId);
}

export function createPaymentsService({ sql, clock, expireQueueToken, onSeatChanged, log }: PaymentsDeps) {
  return {
    async pay(input: PayInput, idempotencyKey: string, claims: TokenClaims) {
      const now = new Date(clock.now());
      const { userId } = claims;
      // One statement, one round trip: claim, seat → reservation → payment → debit → ledger, stored answer.
      const once = settleOnce<PaymentReceipt, PaymentRefusal, PaidSeat>(
        await payOnce(sql, {
          userId,
          key: idempotencyKey,
          hash: requestHash(input),
          ...input,
          paymentId: randomUUID(),
          now,
          queue: { room: claims.room, seq: claims.seq },
        }),
      );
      if (once.refused) throw payRefusal(once.why, input, userId, now);
      if (once.effect) {
        const paid: SeatChange = { ...once.effect, status: 'RESERVED', holdExpiresAt: null };
        await afterCommit(log, 'seat change notice', () => onSeatChanged(paid));
        await afterCommit(log, 'queue token expiry', () => expireQueueToken(claims));
      }
      return once.result;
    },

    /** Queue places that payments since `since` (ms) ended: every process revokes them per tick. */
    paidQueuePlaces: async (since: number) =>
      (await paidQueuePlaces(sql, new Date(since))).map(({ room, seq, paidAt }) => ({
        room,
        seq,
        paidAt: paidAt.getTime(),
      })),

    /** The stored answer of an earlier payment with this key, for a client whose token it expired. */
    findReplay: (input: PayInput, idempotencyKey: string, claims: TokenClaims) =>
      findReplay<PaymentReceipt>(sql, scopeOf(claims, idempotencyKey, input)),
  };
}
