import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
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

/** A seat map rendered (and compressed) ahead: sent as is, past the serializer. */
export function sendSeatMap(
  reply: FastifyReply,
  answer: Awaited<ReturnType<ConcertsService['seatMapAnswer']>>,
) {
  reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (answer.encoding !== 'identity') reply.header('content-encoding', answer.encoding);
  return reply.send(answer.body);
}

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
          'to SCHEDULE_CACHE_TTL_MS (≤ 1 s): seat counts may lag a change by that much. Schedules are listed ' +
          'whatever their sales window; salesOpenAt/salesCloseAt say when holds are taken (null: no bound).',
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
        summary: 'Seat map of a schedule (seats 1..N; 1..50 in the demo catalog)',
        description:
          'Exact: never older than a seat change whose answer was sent. A hold past its expiry reads AVAILABLE ' +
          'at once. Seats 1..N with section and label (an operator’s schedule may have thousands). Compressed ' +
          '(br or gzip) when Accept-Encoding allows and the answer is over 1 KiB. 404 SCHEDULE_NOT_FOUND when ' +
          'the schedule does not exist or belongs to another concert.',
        params: ScheduleParams,
        response: { 200: SeatMap, ...problems(400, 404) },
      },
    },
    async (request, reply) =>
      sendSeatMap(
        reply,
        await concerts.seatMapAnswer(
          request.params.concertId,
          request.params.scheduleId,
          request.headers['accept-encoding'],
        ),
      ),
  );
};
