import type { Tx } from '../../db/client.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import type { Operator } from '../../http/admin-auth.js';
import { type AdminDeps, changeRunner } from './admin-change.js';
import {
  type ConcertRow,
  deleteConcert,
  deleteVenue,
  findConcerts,
  findSchedules,
  findVenues,
  insertConcert,
  insertVenue,
  lockConcertsAt,
  updateConcert,
  updateVenue,
  type VenueRow,
} from './catalog.repository.js';
import { type SectionSpec, sectionsProblem } from './seat-layout.js';
import { rebuildSeats } from './seats-rebuild.js';

export const venueView = (venue: VenueRow) => ({
  ...venue,
  totalSeats: venue.sections.reduce((sum, s) => sum + s.seatCount, 0),
});

const venueNotFound = (id: number) => notFound('VENUE_NOT_FOUND', `Venue ${id} does not exist.`);
export const concertNotFound = (id: number) => notFound('CONCERT_NOT_FOUND', `Concert ${id} does not exist.`);

function checkSections(sections: readonly SectionSpec[]): void {
  const problem = sectionsProblem(sections);
  if (problem) throw badRequest('SECTIONS_INVALID', problem);
}

export async function lockVenue(tx: Tx, venueId: number): Promise<VenueRow> {
  const [venue] = await findVenues(tx, venueId, true);
  if (!venue) throw venueNotFound(venueId);
  return venue;
}

export async function lockConcert(tx: Tx, concertId: number): Promise<ConcertRow> {
  const [concert] = await findConcerts(tx, concertId, true);
  if (!concert) throw concertNotFound(concertId);
  return concert;
}

/** Venues and concerts. Every change is one transaction with its audit record. */
export function createCatalogService(deps: AdminDeps) {
  const { sql } = deps;
  const change = changeRunner(deps);
  const concernedSchedules = (rows: { concertId: number; scheduleId: number }[]) =>
    rows.map(({ concertId, scheduleId }) => ({ concertId, scheduleId }));

  return {
    listVenues: async () => ({ venues: (await findVenues(sql)).map(venueView) }),
    async getVenue(venueId: number) {
      const [venue] = await findVenues(sql, venueId);
      if (!venue) throw venueNotFound(venueId);
      return venueView(venue);
    },
    createVenue: (operator: Operator, body: { name: string; sections: SectionSpec[] }) => {
      checkSections(body.sections);
      return change(operator, async (tx) => {
        const venue = venueView(await insertVenue(tx, body.name, body.sections));
        return {
          result: venue,
          action: 'venue.create',
          entity: 'venue',
          entityId: venue.venueId,
          before: null,
          after: venue,
        };
      });
    },
    /** New sections rebuild the seats of every schedule of every concert at the venue (409 if any is in use). */
    updateVenue: (
      operator: Operator,
      venueId: number,
      patch: { name?: string; sections?: SectionSpec[] },
    ) => {
      if (patch.sections) checkSections(patch.sections);
      return change(operator, async (tx, now) => {
        await lockConcertsAt(tx, venueId); // concerts before their venue, as concert changes lock them
        const before = await lockVenue(tx, venueId);
        const after = { ...before, ...patch };
        const schedules = patch.sections ? await findSchedules(tx, { venueId }, true) : [];
        if (patch.sections) await rebuildSeats(tx, schedules, patch.sections, now);
        await updateVenue(tx, after);
        const view = venueView(after);
        return {
          result: view,
          action: 'venue.update',
          entity: 'venue',
          entityId: venueId,
          before: venueView(before),
          after: view,
          schedules: concernedSchedules(schedules),
        };
      });
    },
    deleteVenue: (operator: Operator, venueId: number) =>
      change(operator, async (tx) => {
        const before = await lockVenue(tx, venueId);
        if ((await deleteVenue(tx, venueId)) === 'in-use') {
          throw conflict(
            'VENUE_IN_USE',
            `Concerts take place at venue ${venueId}; delete or move them first.`,
          );
        }
        return {
          result: undefined,
          action: 'venue.delete',
          entity: 'venue',
          entityId: venueId,
          before: venueView(before),
          after: null,
        };
      }),

    listConcerts: async () => ({ concerts: await findConcerts(sql) }),
    async getConcert(concertId: number) {
      const [concert] = await findConcerts(sql, concertId);
      if (!concert) throw concertNotFound(concertId);
      return concert;
    },
    createConcert: (operator: Operator, body: { title: string; artist: string; venueId: number }) =>
      change(operator, async (tx) => {
        const venue = await lockVenue(tx, body.venueId);
        const concertId = await insertConcert(tx, { ...body, venue: venue.name });
        const concert: ConcertRow = { concertId, ...body, venue: venue.name, ticketLimit: null };
        return {
          result: concert,
          action: 'concert.create',
          entity: 'concert',
          entityId: concertId,
          before: null,
          after: concert,
        };
      }),
    /** Another venue rebuilds the seats of every schedule of the concert from it (409 if any is in use). */
    updateConcert: (
      operator: Operator,
      concertId: number,
      patch: { title?: string; artist?: string; venueId?: number },
    ) =>
      change(operator, async (tx, now) => {
        const before = await lockConcert(tx, concertId);
        const after: ConcertRow = { ...before, ...patch };
        let schedules: Awaited<ReturnType<typeof findSchedules>> = [];
        if (patch.venueId !== undefined && patch.venueId !== before.venueId) {
          const venue = await lockVenue(tx, patch.venueId);
          after.venue = venue.name;
          schedules = await findSchedules(tx, { concertId }, true);
          await rebuildSeats(tx, schedules, venue.sections, now);
        }
        await updateConcert(tx, after);
        return {
          result: after,
          action: 'concert.update',
          entity: 'concert',
          entityId: concertId,
          before,
          after,
          schedules: concernedSchedules(schedules),
        };
      }),
    deleteConcert: (operator: Operator, concertId: number) =>
      change(operator, async (tx) => {
        const before = await lockConcert(tx, concertId);
        if ((await deleteConcert(tx, concertId)) === 'in-use') {
          throw conflict('CONCERT_HAS_SCHEDULES', `Concert ${concertId} has schedules; delete them first.`);
        }
        return {
          result: undefined,
          action: 'concert.delete',
          entity: 'concert',
          entityId: concertId,
          before,
          after: null,
        };
      }),
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
