import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendIdempotent } from '../../http/idempotency.js';
import { userInBody } from '../../http/identity.js';
import { queueGate } from '../../http/queue-gate.js';
import type { Mount, TypeBoxApp } from '../../http/route-docs.js';
import { IdempotencyHeaders, problems } from '../../http/schemas.js';
import type { QueueService } from '../queue/queue.service.js';
import { Reservation, ReservationParams, ReserveBody } from './reservations.schemas.js';
import type { ReservationsService } from './reservations.service.js';

export const reserveMount: Mount = {
  method: 'POST',
  url: '/reservations',
  tags: ['reservations'],
  summary: 'Hold a seat (temporary reservation)',
  description:
    'Holds the seat for HOLD_SECONDS (5 minutes by default): 201 with status ON_HOLD and holdExpiresAt. ' +
    'Needs the active X-Queue-Token of body.userId and an Idempotency-Key: a retry with the same key ' +
    'and body returns the first 201 (header Idempotent-Replayed: true); the same key with another body ' +
    'is 422; a retry while the first runs is 409 IDEMPOTENCY_KEY_IN_USE. 409 SEAT_UNAVAILABLE when the ' +
    'seat is held or reserved; 404 SCHEDULE_NOT_FOUND for an unknown concert/schedule pair, SEAT_NOT_FOUND for a ' +
    'seat number the schedule lacks; 403 SALE_NOT_OPEN / SALE_CLOSED outside the schedule’s sales window; 409 ' +
    'TICKET_LIMIT_REACHED when the user already holds or owns the sale’s limit of seats (held + paid, per concert; ' +
    'TICKET_LIMIT_PER_USER, 4, unless the operator set another). Window and limit are checked in the hold’s SQL.',
};

export function reserveRoute(
  app: TypeBoxApp,
  { method, url, ...docs }: Mount,
  { reservations, queue }: { reservations: ReservationsService; queue: QueueService },
): void {
  app.route({
    method,
    url,
    schema: {
      ...docs,
      headers: IdempotencyHeaders,
      body: ReserveBody,
      response: { 201: Reservation, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { actsFor: userInBody },
    preHandler: queueGate(queue, { userIdOf: (request) => (request.body as { userId: number }).userId }),
    handler: async (request, reply) => {
      const result = await reservations.reserve(request.body, request.headers['idempotency-key']);
      // A live hold keeps the admitted user's slot until it ends (QUEUE_ACTIVE_IDLE_SECONDS).
      if (result.status === 201 && request.queueUser && result.body.status === 'ON_HOLD') {
        queue.holdUntil(request.queueUser, Date.parse(result.body.holdExpiresAt));
      }
      return sendIdempotent(reply, result);
    },
  });
}

export const reservationsRoutes: FastifyPluginAsyncTypebox<{
  reservations: ReservationsService;
  queue: QueueService;
}> = async (app, { reservations, queue }) => {
  reserveRoute(app, reserveMount, { reservations, queue });

  app.get(
    '/reservations/:reservationId',
    {
      schema: {
        tags: ['reservations'],
        summary: 'A reservation',
        description:
          'Status ON_HOLD, CONFIRMED or EXPIRED (a hold past holdExpiresAt reads EXPIRED at once). The id is an ' +
          'unguessable UUID and serves as the capability to read it; no queue token is needed.',
        params: ReservationParams,
        response: { 200: Reservation, ...problems(400, 404) },
      },
    },
    async (request) => reservations.get(request.params.reservationId),
  );
};
