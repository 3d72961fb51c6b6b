import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { notFound } from '../../errors.js';
import {
  concertExists,
  listConcerts,
  listSchedules,
  loadSeatMap,
  type ScheduleRow,
  seatStatus,
} from './concerts.repository.js';
import { TtlCache } from './schedule-cache.js';
import { SeatMapCache } from './seat-map-cache.js';
import type { SeatVersions } from './seat-versions.js';

export type ConcertsService = ReturnType<typeof createConcertsService>;

export interface ConcertsDeps {
  sql: Sql;
  clock: Clock;
  cacheTtlMs: number;
  seatVersions: SeatVersions;
}

/** A committed change of one seat: now held until `holdExpiresAt`, or sold. */
export interface SeatChange {
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  price: number;
  status: 'HELD' | 'RESERVED';
  holdExpiresAt: Date | null;
}

export const scheduleNotFound = (concertId: number, scheduleId: number) =>
  notFound('SCHEDULE_NOT_FOUND', `Concert ${concertId} has no schedule ${scheduleId}.`);

export function createConcertsService({ sql, clock, cacheTtlMs, seatVersions }: ConcertsDeps) {
  // concertId → its schedules with availability, or null when there is no such concert.
  const schedules = new TtlCache<number, ScheduleRow[] | null>(cacheTtlMs, clock);
  const seatMaps = new SeatMapCache(10_000);

  async function currentSeatMap(concertId: number, scheduleId: number, now: number) {
    const version = await seatVersions.current(scheduleId);
    const map = await seatMaps.get(scheduleId, version, now, () => loadSeatMap(sql, scheduleId));
    if (!map || map.concertId !== concertId) throw scheduleNotFound(concertId, scheduleId);
    return map;
  }

  return {
    listConcerts: async () => ({ concerts: await listConcerts(sql) }),

    async listSchedules(concertId: number, includeSoldOut: boolean) {
      const all = await schedules.get(concertId, async () => {
        const rows = await listSchedules(sql, concertId, new Date(clock.now()));
        if (rows.length > 0 || (await concertExists(sql, concertId))) return rows;
        return null;
      });
      if (all === null) throw notFound('CONCERT_NOT_FOUND', `Concert ${concertId} does not exist.`);
      const result = includeSoldOut ? all : all.filter((schedule) => schedule.availableSeats > 0);
      if (result.length === 0) {
        throw notFound('NO_AVAILABLE_SCHEDULES', `Concert ${concertId} has no schedule with a seat left.`);
      }
      return { concertId, schedules: result.map((s) => ({ ...s, startsAt: s.startsAt.toISOString() })) };
    },

    /** Exact: served from cache only while the schedule's seat version is unchanged (see SeatVersions). */
    async listSeats(concertId: number, scheduleId: number) {
      const now = clock.now();
      const map = await currentSeatMap(concertId, scheduleId, now);
      const seats = map.seats.map((seat) => ({
        seatNumber: seat.seatNumber,
        status: seatStatus(seat, now),
        price: seat.price,
      }));
      return { concertId, scheduleId, seats };
    },

    /**
     * A seat's status from the loaded map, of whatever version (404 for no such schedule).
     * TEMP_RESERVED and RESERVED stay true until the hold's expiry, so they may refuse a hold
     * early; an AVAILABLE seat is only a hint: the conditional UPDATE decides.
     */
    async seatStatus({
      concertId,
      scheduleId,
      seatNumber,
    }: Pick<SeatChange, 'concertId' | 'scheduleId' | 'seatNumber'>) {
      const now = clock.now();
      // Any loaded map will do (taken seats stay taken); load one only when there is none.
      const known = seatMaps.peek(scheduleId);
      const map = known ?? (await currentSeatMap(concertId, scheduleId, now));
      if (map.concertId !== concertId) throw scheduleNotFound(concertId, scheduleId);
      const seat = map.seats[seatNumber - 1];
      return seat ? seatStatus(seat, now) : 'AVAILABLE';
    },

    /**
     * After a committed seat change, before the writer answers: the schedule list is
     * dropped, the seat version bumped (so every process's next seat-map read sees the
     * change), and this process's cached map takes the change in place.
     */
    async seatsChanged({ concertId, scheduleId, ...seat }: SeatChange): Promise<void> {
      schedules.invalidate(concertId);
      const version = await seatVersions.bump(scheduleId);
      seatMaps.apply(scheduleId, version, seat);
    },
    /** A hold found a seat taken that the cached map showed free (another process's write). */
    seatMapOutdated: (scheduleId: number) => seatMaps.forget(scheduleId),
    cacheStats: () => ({ schedules: schedules.stats(), seatMaps: seatMaps.stats() }),
  };
}
