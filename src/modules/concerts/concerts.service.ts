import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { notFound } from '../../errors.js';
import {
  concertExists,
  listConcerts,
  listSchedules,
  listSeats,
  type ScheduleRow,
} from './concerts.repository.js';
import { TtlCache } from './schedule-cache.js';

export type ConcertsService = ReturnType<typeof createConcertsService>;

export function createConcertsService({
  sql,
  clock,
  cacheTtlMs,
}: {
  sql: Sql;
  clock: Clock;
  cacheTtlMs: number;
}) {
  // concertId → its schedules with availability, or null when there is no such concert.
  const schedules = new TtlCache<number, ScheduleRow[] | null>(cacheTtlMs, clock);

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

    async listSeats(concertId: number, scheduleId: number) {
      const seats = await listSeats(sql, concertId, scheduleId, new Date(clock.now()));
      if (seats.length === 0) {
        throw notFound('SCHEDULE_NOT_FOUND', `Concert ${concertId} has no schedule ${scheduleId}.`);
      }
      return { concertId, scheduleId, seats };
    },

    /** After a seat changed in this process: the next schedule lookup reads fresh. */
    seatsChanged: (concertId: number) => schedules.invalidate(concertId),
    cacheStats: () => schedules.stats(),
  };
}
