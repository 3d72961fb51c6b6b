import { randomUUID } from 'node:crypto';
import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { findReplay, requestHash, settleOnce } from '../../db/idempotency/index.js';
import { type AppError, conflict, notFound } from '../../errors.js';
import type { SaleState } from '../concerts/concerts.repository.js';
import { saleState } from '../concerts/concerts.repository.js';
import { type HoldHint, type SeatChange, scheduleNotFound } from '../concerts/concerts.service.js';
import {
  findReservation,
  type HoldDiagnosis,
  type HoldRequest,
  holdOnce,
  type ReservationRow,
} from './reservations.repository.js';
import { saleRefusal, windowFromJson } from './sale-window.js';

export interface ReserveInput {
  userId: number;
  concertId: number;
  scheduleId: number;
  seatNumber: number;
}

export interface ReservationView {
  reservationId: string;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  status: ReservationRow['status'];
  holdExpiresAt: string;
  price: number;
}

export interface ReservationsDeps {
  sql: Sql;
  clock: Clock;
  holdSeconds: number;
  /** TICKET_LIMIT_PER_USER: live reservations per user and concert, unless the concert sets its own. */
  defaultTicketLimit: number;
  /** From the seat-map cache: a taken seat or a closed sale is a fact, AVAILABLE/OPEN a hint. */
  holdHint(seat: { concertId: number; scheduleId: number; seatNumber: number }): Promise<HoldHint>;
  /** Told when a seat the cache showed free turned out taken, so the map is read afresh. */
  seatMapOutdated(scheduleId: number): void;
  /** Told after a hold commits, before the answer: cached availability and seat maps are dropped. */
  onSeatChanged(change: SeatChange): Promise<void>;
  /** Told of every hold answered with 201 (new or replayed): which concert the reservation is of. */
  onReserved?(reservationId: string, concertId: number): void;
  log: ErrorLog;
}

/** A hold past its expiry is EXPIRED at once, whether or not the sweeper has been by. */
export function toView(row: ReservationRow, now: number): ReservationView {
  const lapsed = row.status === 'ON_HOLD' && row.holdExpiresAt.getTime() <= now;
  return { ...row, status: lapsed ? 'EXPIRED' : row.status, holdExpiresAt: row.holdExpiresAt.toISOString() };
}

const seatTaken = (seatNumber: number) =>
  conflict('SEAT_UNAVAILABLE', `Seat ${seatNumber} is already held or reserved.`);

/** Why the hold statement matched nothing: the sale's window, the seat, the limit, or the seat taken. */
function holdRefusal(hold: HoldRequest, found: HoldDiagnosis): AppError | 'SEAT_TAKEN' {
  if (!found.found) return scheduleNotFound(hold.concertId, hold.scheduleId);
  if (!found.seatExists)
    return notFound('SEAT_NOT_FOUND', `Schedule ${hold.scheduleId} has no seat ${hold.seatNumber}.`);
  const window = windowFromJson(found);
  const refusal = saleRefusal(saleState(window, hold.now.getTime()), window);
  if (refusal) return refusal;
  if (found.live >= found.ticketLimit) {
    return conflict(
      'TICKET_LIMIT_REACHED',
      `You already hold or own ${found.live} seats of this concert, its limit per user.`,
    );
  }
  return 'SEAT_TAKEN';
}

export type ReservationsService = ReturnType<typeof createReservationsService>;

export function createReservationsService({
  sql,
  clock,
  holdSeconds,
  defaultTicketLimit,
  holdHint,
  seatMapOutdated,
  onSeatChanged,
  onReserved,
  log,
}: ReservationsDeps) {
  return {
    async reserve(input: ReserveInput, idempotencyKey: string) {
      const now = new Date(clock.now());
      const scope = { userId: input.userId, operation: 'reserve', key: idempotencyKey, payload: input };
      // Fast refusal, the common answer in a storm: a seat known to be held or sold (or a sale
      // known to be shut) is refused without a transaction, unless this is a retry of the
      // request that took it (a replay). Anything else goes to the transaction, which also
      // looks for a stored answer.
      const hint = await holdHint(input);
      if (hint.seat !== 'AVAILABLE' || hint.sale !== 'OPEN') {
        const replay = await findReplay<ReservationView>(sql, scope);
        if (replay) return replay;
        throw saleRefusal(hint.sale as SaleState) ?? seatTaken(input.seatNumber);
      }
      const reservationId = randomUUID();
      const expiresAt = new Date(now.getTime() + holdSeconds * 1000);
      const hold: HoldRequest = { ...input, reservationId, now, expiresAt, defaultTicketLimit };
      // One statement, one round trip: claim, sale lock, conditional hold, stored answer.
      const once = settleOnce<ReservationView, HoldDiagnosis>(
        await holdOnce(sql, hold, idempotencyKey, requestHash(input)),
      );
      if (once.refused) {
        const refusal = holdRefusal(hold, once.why);
        if (refusal !== 'SEAT_TAKEN') throw refusal;
        seatMapOutdated(input.scheduleId);
        throw seatTaken(input.seatNumber);
      }
      const { result } = once;
      onReserved?.(result.body.reservationId, result.body.concertId);
      if (!result.replayed) {
        const held: SeatChange = {
          ...input,
          price: result.body.price,
          status: 'HELD',
          holdExpiresAt: new Date(result.body.holdExpiresAt),
        };
        await afterCommit(log, 'seat change notice', () => onSeatChanged(held));
      }
      return result;
    },

    async get(reservationId: string): Promise<ReservationView> {
      const row = await findReservation(sql, reservationId);
      if (!row) throw notFound('RESERVATION_NOT_FOUND', `Reservation ${reservationId} does not exist.`);
      return toView(row, clock.now());
    },
  };
}
