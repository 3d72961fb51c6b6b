import { randomUUID } from 'node:crypto';
import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { conflict, notFound } from '../../errors.js';
import { findReplay, runIdempotent } from '../../http/idempotency.js';
import type { SeatStatus } from '../concerts/concerts.repository.js';
import { scheduleBelongsTo } from '../concerts/concerts.repository.js';
import { type SeatChange, scheduleNotFound } from '../concerts/concerts.service.js';
import { findReservation, holdSeat, type ReservationRow } from './reservations.repository.js';

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
  /** The seat's status from the seat-map cache: TEMP_RESERVED/RESERVED are facts, AVAILABLE a hint. */
  seatStatus(seat: { concertId: number; scheduleId: number; seatNumber: number }): Promise<SeatStatus>;
  /** Told when a seat the cache showed free turned out taken, so the map is read afresh. */
  seatMapOutdated(scheduleId: number): void;
  /** Told after a hold commits, before the answer: cached availability and seat maps are dropped. */
  onSeatChanged(change: SeatChange): Promise<void>;
  log: ErrorLog;
}

/** A hold past its expiry is EXPIRED at once, whether or not the sweeper has been by. */
export function toView(row: ReservationRow, now: number): ReservationView {
  const lapsed = row.status === 'ON_HOLD' && row.holdExpiresAt.getTime() <= now;
  return { ...row, status: lapsed ? 'EXPIRED' : row.status, holdExpiresAt: row.holdExpiresAt.toISOString() };
}

const seatTaken = (seatNumber: number) =>
  conflict('SEAT_UNAVAILABLE', `Seat ${seatNumber} is already held or reserved.`);

export type ReservationsService = ReturnType<typeof createReservationsService>;

export function createReservationsService({
  sql,
  clock,
  holdSeconds,
  seatStatus,
  seatMapOutdated,
  onSeatChanged,
  log,
}: ReservationsDeps) {
  return {
    async reserve(input: ReserveInput, idempotencyKey: string) {
      const now = new Date(clock.now());
      const scope = { userId: input.userId, operation: 'reserve', key: idempotencyKey, payload: input };
      // Fast refusal, the common answer in a storm: a seat known to be held or sold is refused
      // without a transaction, unless this is a retry of the request that took it (a replay).
      // A free-looking seat goes to the transaction, which also looks for a stored answer.
      if ((await seatStatus(input)) !== 'AVAILABLE') {
        const replay = await findReplay<ReservationView>(sql, scope);
        if (replay) return replay;
        throw seatTaken(input.seatNumber);
      }
      const result = await runIdempotent<ReservationView>(sql, scope, now, async (tx) => {
        const reservationId = randomUUID();
        const expiresAt = new Date(now.getTime() + holdSeconds * 1000);
        const price = await holdSeat(tx, { ...input, reservationId, now, expiresAt });
        if (price === undefined) {
          if (!(await scheduleBelongsTo(tx, input.concertId, input.scheduleId))) {
            throw scheduleNotFound(input.concertId, input.scheduleId);
          }
          seatMapOutdated(input.scheduleId);
          throw seatTaken(input.seatNumber);
        }
        const row = { ...input, reservationId, price, holdExpiresAt: expiresAt };
        return { status: 201, body: toView({ ...row, status: 'ON_HOLD' }, now.getTime()) };
      });
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
