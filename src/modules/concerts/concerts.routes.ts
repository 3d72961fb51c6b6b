import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import {
  ConcertList,
  ConcertParams,
  ScheduleList,
  ScheduleParams,
  ScheduleQuery,
  SeatMap,
} from './concerts.schemas.js';
import type { ConcertsService } from './concerts.service.js';

export const concertsRoutes: FastifyPluginAsyncTypebox<{ concerts: ConcertsService }> = async (
  app,
  { concerts },
) => {
  app.get(
    '/concerts',
    {
      schema: {
        tags: ['concerts'],
        summary: 'All concerts',
        description: 'The catalog, so a client can discover concert ids. Public: no queue token needed.',
        response: { 200: ConcertList },
      },
    },
    async () => concerts.listConcerts(),
  );

  app.get(
    '/concerts/:concertId/schedules',
    {
      schema: {
        tags: ['concerts'],
        summary: 'Bookable schedules of a concert',
        description:
          'By default only schedules with at least one available seat. 404 when the concert does not exist ' +
          '(CONCERT_NOT_FOUND) or has no bookable schedule (NO_AVAILABLE_SCHEDULES). Cached in process for up ' +
          'to SCHEDULE_CACHE_TTL_MS (≤ 1 s): seat counts may lag a change by that much.',
        params: ConcertParams,
        querystring: ScheduleQuery,
        response: { 200: ScheduleList, ...problems(400, 404) },
      },
    },
    async (request) => concerts.listSchedules(request.params.concertId, request.query.includeSoldOut),
  );

  app.get(
    '/concerts/:concertId/schedules/:scheduleId/seats',
    {
      schema: {
        tags: ['concerts'],
        summary: 'Seat map of a schedule (seats 1..50)',
        description:
          'Exact, never cached. A hold past its expiry reads AVAILABLE at once. 404 SCHEDULE_NOT_FOUND when ' +
          'the schedule does not exist or belongs to another concert.',
        params: ScheduleParams,
        response: { 200: SeatMap, ...problems(400, 404) },
      },
    },
    async (request) => concerts.listSeats(request.params.concertId, request.params.scheduleId),
  );
};
