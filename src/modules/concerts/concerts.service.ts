import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { notFound } from '../../errors.js';
import {
  concertExists,
  listConcerts,
  listSchedules,
  loadSeatMap,
  type SaleState,
  type ScheduleRow,
  type SeatStatus,
  type StoredSeatMap,
  saleState,
  seatStatus,
} from './concerts.repository.js';
import { TtlCache } from './schedule-cache.js';
import { SeatMapCache } from './seat-map-cache.js';
import { encodeSeatMap, negotiate, SeatMapRenders } from './seat-map-render.js';
import type { SeatVersions } from './seat-versions.js';

export type ConcertsService = ReturnType<typeof createConcertsService>;

export interface ConcertsDeps {
  sql: Sql;
  clock: Clock;
  cacheTtlMs: number;
  seatVersions: SeatVersions;
}

/** A committed change of one seat: now held until `holdExpiresAt`, sold, or free again (release, refund). */
export interface SeatChange {
  concertId: number;
  scheduleId: number;
  seatNumber: number;
  price: number;
  status: 'HELD' | 'RESERVED' | 'AVAILABLE';
  holdExpiresAt: Date | null;
}

/** What the cache knows about a hold's chances: the seat (a hint when AVAILABLE) and the sale. */
export interface HoldHint {
  seat: SeatStatus;
  sale: SaleState;
}

export const scheduleNotFound = (concertId: number, scheduleId: number) =>
  notFound('SCHEDULE_NOT_FOUND', `Concert ${concertId} has no schedule ${scheduleId}.`);

function hintOf(map: StoredSeatMap, seatNumber: number, now: number): HoldHint {
  const seat = map.seats[seatNumber - 1];
  return { seat: seat ? seatStatus(seat, now) : 'AVAILABLE', sale: saleState(map, now) };
}

export function createConcertsService({ sql, clock, cacheTtlMs, seatVersions }: ConcertsDeps) {
  // concertId → its schedules with availability, or null when there is no such concert.
  const schedules = new TtlCache<number, ScheduleRow[] | null>(cacheTtlMs, clock);
  const seatMaps = new SeatMapCache(10_000);
  const renders = new SeatMapRenders();

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
      const iso = (date: Date | null) => date?.toISOString() ?? null;
      return {
        concertId,
        schedules: result.map((s) => ({
          ...s,
          startsAt: s.startsAt.toISOString(),
          salesOpenAt: iso(s.salesOpenAt),
          salesCloseAt: iso(s.salesCloseAt),
        })),
      };
    },

    /**
     * Exact: served from cache only while the schedule's seat version is unchanged (see
     * SeatVersions), rendered once per map and hold expiry, compressed as the client asks.
     */
    async seatMapAnswer(concertId: number, scheduleId: number, acceptEncoding: string | undefined) {
      const now = clock.now();
      const map = await currentSeatMap(concertId, scheduleId, now);
      return encodeSeatMap(renders.get(map, scheduleId, now), negotiate(acceptEncoding));
    },

    /**
     * A seat's status and the sale's state from the loaded map, of whatever version not
     * older than the schedule's last freeing change (404 for no such schedule). A taken
     * seat stays taken until its hold's expiry unless something freed it, so it may
     * refuse a hold early; AVAILABLE and OPEN are only hints: the hold's SQL decides.
     */
    async holdHint({
      concertId,
      scheduleId,
      seatNumber,
    }: Pick<SeatChange, 'concertId' | 'scheduleId' | 'seatNumber'>): Promise<HoldHint> {
      const now = clock.now();
      // Any loaded map will do for a free-looking seat; load one only when there is none.
      let map: StoredSeatMap | undefined = seatMaps.peek(scheduleId);
      if (!map) map = await currentSeatMap(concertId, scheduleId, now);
      let hint = hintOf(map, seatNumber, now);
      if (hint.seat !== 'AVAILABLE' || hint.sale !== 'OPEN') {
        // A refusal must not rest on a map older than a release, refund or operator change.
        const version = seatMaps.versionOf(scheduleId) ?? -1;
        if ((await seatVersions.lastFreed(scheduleId)) > version) {
          map = await currentSeatMap(concertId, scheduleId, now);
          hint = hintOf(map, seatNumber, now);
        }
      }
      if (map.concertId !== concertId) throw scheduleNotFound(concertId, scheduleId);
      return hint;
    },

    /**
     * After a committed seat change, before the writer answers: the schedule list is
     * dropped, the seat version bumped (so every process's next seat-map read sees the
     * change), and this process's cached map takes the change in place.
     */
    async seatsChanged({ concertId, scheduleId, ...seat }: SeatChange): Promise<void> {
      schedules.invalidate(concertId);
      const version = await seatVersions.bump(scheduleId, seat.status === 'AVAILABLE');
      seatMaps.apply(scheduleId, version, seat);
    },
    /** An operator changed a schedule (window, seats, prices) or deleted it: every process reloads. */
    async scheduleChanged(concertId: number, scheduleId: number): Promise<void> {
      schedules.invalidate(concertId);
      seatMaps.forget(scheduleId);
      await seatVersions.bump(scheduleId, true);
    },
    /** A hold found a seat taken that the cached map showed free (another process's write). */
    seatMapOutdated: (scheduleId: number) => seatMaps.forget(scheduleId),
    cacheStats: () => ({ schedules: schedules.stats(), seatMaps: seatMaps.stats() }),
  };
}
