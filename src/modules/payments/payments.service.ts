import { randomUUID } from 'node:crypto';
import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql, Tx } from '../../db/client.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import { findReplay, type IdempotencyScope, runIdempotent } from '../../http/idempotency.js';
import type { SeatChange } from '../concerts/concerts.service.js';
import type { TokenClaims } from '../queue/queue-token.js';
import { findReservation, type ReservationRow } from '../reservations/reservations.repository.js';
import { debitForPayment } from '../wallet/wallet.repository.js';
import { confirmReservation, confirmSeat, insertPayment } from './payments.repository.js';

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

export function createPaymentsService({ sql, clock, expireQueueToken, onSeatChanged, log }: PaymentsDeps) {
  /** Seat, reservation, balance, payment and ledger: all in the caller's one transaction. */
  async function settle(tx: Tx, input: PayInput, userId: number, now: Date) {
    const row = await findReservation(tx, input.reservationId);
    const refusal = refuse(row, input, userId, now);
    if (refusal || !row) throw refusal;
    if (!(await confirmSeat(tx, { ...row, now }))) {
      // Lost a race after the read above: another payment got there, or the hold lapsed.
      const latest = await findReservation(tx, row.reservationId);
      throw latest?.status === 'CONFIRMED' ? alreadyPaid(row.reservationId) : holdLapsed(row.reservationId);
    }
    if (!(await confirmReservation(tx, row.reservationId, now))) throw holdLapsed(row.reservationId);
    const paymentId = randomUUID();
    await insertPayment(tx, {
      paymentId,
      reservationId: row.reservationId,
      userId,
      amount: row.price,
      at: now,
    });
    const balanceAfter = await debitForPayment(tx, { userId, amount: row.price, paymentId, at: now });
    if (balanceAfter === undefined) {
      throw new AppError(
        'INSUFFICIENT_BALANCE',
        402,
        `The balance does not cover ${row.price} won; charge first.`,
      );
    }
    return { row, receipt: { paymentId, reservationId: row.reservationId, amount: row.price, balanceAfter } };
  }

  return {
    async pay(input: PayInput, idempotencyKey: string, claims: TokenClaims) {
      const now = new Date(clock.now());
      let paid: SeatChange | undefined;
      const result = await runIdempotent<PaymentReceipt>(
        sql,
        scopeOf(claims, idempotencyKey, input),
        now,
        async (tx) => {
          const { row, receipt } = await settle(tx, input, claims.userId, now);
          const { concertId, scheduleId, seatNumber, price } = row;
          paid = { concertId, scheduleId, seatNumber, price, status: 'RESERVED', holdExpiresAt: null };
          return { status: 201, body: { ...receipt, status: 'CONFIRMED', queueTokenExpired: true } };
        },
      );
      if (paid) {
        const change = paid;
        await afterCommit(log, 'seat change notice', () => onSeatChanged(change));
        await afterCommit(log, 'queue token expiry', () => expireQueueToken(claims));
      }
      return result;
    },

    /** The stored answer of an earlier payment with this key, for a client whose token it expired. */
    findReplay: (input: PayInput, idempotencyKey: string, claims: TokenClaims) =>
      findReplay<PaymentReceipt>(sql, scopeOf(claims, idempotencyKey, input)),
  };
}
