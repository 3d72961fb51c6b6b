import { badRequest, conflict, notFound } from '../../errors.js';
import type { Operator } from '../../http/admin-auth.js';
import { type AdminDeps, changeRunner } from './admin-change.js';
import { type AuditFilter, readAudit } from './audit.repository.js';
import {
  deleteSchedule,
  findConcerts,
  findSchedules,
  insertSchedule,
  lockSeats,
  type ScheduleRow,
  type ScheduleTimes,
  updateScheduleTimes,
} from './catalog.repository.js';
import { concertNotFound, lockConcert, lockVenue } from './catalog.service.js';
import { rebuildSeats, seatsInUse } from './seats-rebuild.js';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());
export const scheduleView = (row: ScheduleRow) => ({
  ...row,
  startsAt: row.startsAt.toISOString(),
  salesOpenAt: iso(row.salesOpenAt),
  salesCloseAt: iso(row.salesCloseAt),
});

const scheduleNotFound = (id: number) => notFound('SCHEDULE_NOT_FOUND', `Schedule ${id} does not exist.`);

/** The order the database also insists on (CHECK constraints): open < close ≤ start. */
function checkTimes({ startsAt, salesOpenAt, salesCloseAt }: ScheduleTimes): void {
  const invalid = (detail: string) => badRequest('SALES_WINDOW_INVALID', detail);
  if (salesOpenAt && salesCloseAt && salesOpenAt >= salesCloseAt)
    throw invalid('salesOpenAt must be before salesCloseAt.');
  if (salesCloseAt && salesCloseAt > startsAt) throw invalid('salesCloseAt must not be after startsAt.');
  if (salesOpenAt && !salesCloseAt && salesOpenAt >= startsAt)
    throw invalid('salesOpenAt must be before startsAt.');
}

const date = (value: string | null | undefined, fallback: Date | null): Date | null =>
  value === undefined ? fallback : value === null ? null : new Date(value);

/** Schedules (with their generated seats) and the audit log (sale controls: src/modules/rooms). */
export function createSchedulesService(deps: AdminDeps) {
  const { sql } = deps;
  const change = changeRunner(deps);
  async function lockSchedule(tx: Parameters<Parameters<typeof change>[1]>[0], scheduleId: number) {
    const [row] = await findSchedules(tx, { scheduleId }, true);
    if (!row) throw scheduleNotFound(scheduleId);
    return row;
  }

  return {
    async listSchedules(concertId: number) {
      if ((await findConcerts(sql, concertId)).length === 0) throw concertNotFound(concertId);
      return { schedules: (await findSchedules(sql, { concertId })).map(scheduleView) };
    },
    async getSchedule(scheduleId: number) {
      const [row] = await findSchedules(sql, { scheduleId });
      if (!row) throw scheduleNotFound(scheduleId);
      return scheduleView(row);
    },
    /** The seats come from the concert's venue: seat 1..N through its sections. */
    createSchedule: (
      operator: Operator,
      concertId: number,
      body: { startsAt: string; salesOpenAt: string; salesCloseAt?: string },
    ) => {
      const startsAt = new Date(body.startsAt);
      const times = {
        startsAt,
        salesOpenAt: new Date(body.salesOpenAt),
        salesCloseAt: date(body.salesCloseAt, startsAt),
      };
      checkTimes(times);
      return change(operator, async (tx, now) => {
        const concert = await lockConcert(tx, concertId);
        if (concert.venueId === null) {
          throw conflict(
            'CONCERT_HAS_NO_VENUE',
            `Concert ${concertId} has no venue to make seats from; set venueId first.`,
          );
        }
        const venue = await lockVenue(tx, concert.venueId);
        const scheduleId = await insertSchedule(tx, concertId, times);
        const [created] = await findSchedules(tx, { scheduleId }, true);
        await rebuildSeats(tx, [created!], venue.sections, now);
        const view = scheduleView({
          ...created!,
          totalSeats: venue.sections.reduce((n, s) => n + s.seatCount, 0),
        });
        return {
          result: view,
          action: 'schedule.create',
          entity: 'schedule',
          entityId: scheduleId,
          before: null,
          after: view,
          schedules: [{ concertId, scheduleId }],
        };
      });
    },
    /** Times only; seats stay as they are (moving a show keeps its sold seats). */
    updateSchedule: (
      operator: Operator,
      scheduleId: number,
      patch: { startsAt?: string; salesOpenAt?: string | null; salesCloseAt?: string | null },
    ) =>
      change(operator, async (tx) => {
        const before = await lockSchedule(tx, scheduleId);
        const after: ScheduleRow = {
          ...before,
          startsAt: date(patch.startsAt, before.startsAt)!,
          salesOpenAt: date(patch.salesOpenAt, before.salesOpenAt),
          salesCloseAt: date(patch.salesCloseAt, before.salesCloseAt),
        };
        checkTimes(after);
        await updateScheduleTimes(tx, scheduleId, after);
        return {
          result: scheduleView(after),
          action: 'schedule.update',
          entity: 'schedule',
          entityId: scheduleId,
          before: scheduleView(before),
          after: scheduleView(after),
          schedules: [{ concertId: before.concertId, scheduleId }],
        };
      }),
    /** Only while no reservation, past or present, refers to its seats. */
    deleteSchedule: (operator: Operator, scheduleId: number) =>
      change(operator, async (tx, now) => {
        const before = await lockSchedule(tx, scheduleId);
        const state = await lockSeats(tx, scheduleId, now, 0);
        if (state === 'in-use') throw seatsInUse(scheduleId);
        if (state === 'history') {
          throw conflict(
            'SEATS_HAVE_HISTORY',
            `Schedule ${scheduleId} has past reservations, kept for the record.`,
          );
        }
        await deleteSchedule(tx, scheduleId);
        return {
          result: undefined,
          action: 'schedule.delete',
          entity: 'schedule',
          entityId: scheduleId,
          before: scheduleView(before),
          after: null,
          schedules: [{ concertId: before.concertId, scheduleId }],
        };
      }),

    async audit(filter: AuditFilter) {
      const rows = await readAudit(sql, filter);
      const entries = rows.map((row) => ({ ...row, at: row.at.toISOString() }));
      const last = rows.at(-1);
      return { entries, nextBefore: rows.length === filter.limit && last ? last.id : null };
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
