import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AdminConcert,
  AdminConcertList,
  ConcertBody,
  ConcertParams,
  ConcertPatch,
  Venue,
  VenueBody,
  VenueList,
  VenueParams,
  VenuePatch,
} from './admin.schemas.js';
import { adminSchema, Deleted } from './admin-route.js';
import type { CatalogService } from './catalog.service.js';

const REBUILD =
  'Seats of the schedules concerned are made anew from the sections (seat 1..N, labels "<section>-<n>"), all ' +
  'or none: 409 SEATS_IN_USE when any of those schedules has a seat held or sold, 409 SEATS_HAVE_HISTORY when ' +
  'seats with past reservations would go away.';

/** Venues and concerts; the operator gate is the enclosing plugin's. */
export const adminCatalogRoutes: FastifyPluginAsyncTypebox<{ catalog: CatalogService }> = async (
  app,
  { catalog },
) => {
  app.get(
    '/admin/venues',
    {
      schema: adminSchema(
        'All venues',
        'Venues with their sections.',
        { status: 200, schema: VenueList },
        [],
        { audited: false },
      ),
    },
    async () => catalog.listVenues(),
  );
  app.post(
    '/admin/venues',
    {
      schema: {
        ...adminSchema(
          'Create a venue',
          'A venue with sections (name, seat count, price per seat). At most 20,000 seats. 400 SECTIONS_INVALID ' +
            'for duplicate section names or too many seats.',
          { status: 201, schema: Venue },
          [400],
        ),
        body: VenueBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await catalog.createVenue(request.operator!, request.body)),
  );
  app.get(
    '/admin/venues/:venueId',
    {
      schema: {
        ...adminSchema('A venue', '404 VENUE_NOT_FOUND.', { status: 200, schema: Venue }, [400, 404], {
          audited: false,
        }),
        params: VenueParams,
      },
    },
    async (request) => catalog.getVenue(request.params.venueId),
  );
  app.patch(
    '/admin/venues/:venueId',
    {
      schema: {
        ...adminSchema(
          'Change a venue',
          `A new name shows in GET /concerts at once. New sections: ${REBUILD}`,
          { status: 200, schema: Venue },
          [400, 404, 409],
        ),
        params: VenueParams,
        body: VenuePatch,
      },
    },
    async (request) => catalog.updateVenue(request.operator!, request.params.venueId, request.body),
  );
  app.delete(
    '/admin/venues/:venueId',
    {
      schema: {
        ...adminSchema(
          'Delete a venue',
          '409 VENUE_IN_USE while a concert uses it.',
          { status: 200, schema: Deleted },
          [400, 404, 409],
        ),
        params: VenueParams,
      },
    },
    async (request) => {
      await catalog.deleteVenue(request.operator!, request.params.venueId);
      return { deleted: true as const, id: request.params.venueId };
    },
  );

  app.get(
    '/admin/concerts',
    {
      schema: adminSchema(
        'All concerts',
        'With venue ids and ticket limits (the seeded demo catalog has no venue id).',
        { status: 200, schema: AdminConcertList },
        [],
        { audited: false },
      ),
    },
    async () => catalog.listConcerts(),
  );
  app.post(
    '/admin/concerts',
    {
      schema: {
        ...adminSchema(
          'Create a concert',
          'At a venue; add schedules with POST /admin/concerts/{concertId}/schedules. 404 VENUE_NOT_FOUND.',
          { status: 201, schema: AdminConcert },
          [400, 404],
        ),
        body: ConcertBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await catalog.createConcert(request.operator!, request.body)),
  );
  app.get(
    '/admin/concerts/:concertId',
    {
      schema: {
        ...adminSchema(
          'A concert',
          '404 CONCERT_NOT_FOUND.',
          { status: 200, schema: AdminConcert },
          [400, 404],
          {
            audited: false,
          },
        ),
        params: ConcertParams,
      },
    },
    async (request) => catalog.getConcert(request.params.concertId),
  );
  app.patch(
    '/admin/concerts/:concertId',
    {
      schema: {
        ...adminSchema(
          'Change a concert',
          `Title and artist at any time. Another venue: ${REBUILD}`,
          { status: 200, schema: AdminConcert },
          [400, 404, 409],
        ),
        params: ConcertParams,
        body: ConcertPatch,
      },
    },
    async (request) => catalog.updateConcert(request.operator!, request.params.concertId, request.body),
  );
  app.delete(
    '/admin/concerts/:concertId',
    {
      schema: {
        ...adminSchema(
          'Delete a concert',
          '409 CONCERT_HAS_SCHEDULES while it has schedules (delete them first).',
          { status: 200, schema: Deleted },
          [400, 404, 409],
        ),
        params: ConcertParams,
      },
    },
    async (request) => {
      await catalog.deleteConcert(request.operator!, request.params.concertId);
      return { deleted: true as const, id: request.params.concertId };
    },
  );
};
