import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sendIdempotent } from '../../http/idempotency.js';
import { IdempotencyHeaders, problems } from '../../http/schemas.js';
import { tokenHolder } from '../../http/token-holder.js';
import type { QueueService } from '../queue/queue.service.js';
import { Reservation, ReservationParams } from '../reservations/reservations.schemas.js';
import { RefundReceipt } from './returns.schemas.js';
import type { ReturnsService } from './returns.service.js';

const RELEASED_EXAMPLE = {
  reservationId: '0b6c3c1e-5f57-4a39-9a43-9f1e0d7f2a10',
  userId: 42,
  concertId: 1,
  scheduleId: 1,
  seatNumber: 7,
  status: 'RELEASED',
  holdExpiresAt: '2026-11-22T10:05:00.000Z',
  price: 80000,
};

const WHO =
  'Needs X-Queue-Token: an authentic token of the reservation’s user, live or expired (a payment expires it, ' +
  'and giving a seat back must not mean queueing again); a forged or missing token is 401, another user’s ' +
  'reservation 403 RESERVATION_OF_ANOTHER_USER. Needs an Idempotency-Key: a retry with the same key returns ' +
  'the first answer (Idempotent-Replayed: true).';

export const returnsRoutes: FastifyPluginAsyncTypebox<{
  returns: ReturnsService;
  queue: QueueService;
}> = async (app, { returns, queue }) => {
  app.delete(
    '/reservations/:reservationId',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Release a hold',
        description:
          'Gives a live hold back: the reservation becomes RELEASED and the seat reads AVAILABLE at once (seat ' +
          'maps of every process included). One SQL statement, serialized with holds and payments on the seat ' +
          `row. ${WHO} 404 RESERVATION_NOT_FOUND; 409 RESERVATION_ALREADY_CONFIRMED (paid: refund it instead), ` +
          'RESERVATION_NOT_HELD (expired or released already), ALREADY_REFUNDED. No twin under /v1/api: the ' +
          'load-test plan has no release route.',
        headers: IdempotencyHeaders,
        params: ReservationParams,
        response: {
          200: Type.Object(Reservation.properties, { examples: [RELEASED_EXAMPLE] }),
          ...problems(400, 401, 403, 404, 409, 422),
        },
      },
      preHandler: tokenHolder(queue),
    },
    async (request, reply) =>
      sendIdempotent(
        reply,
        await returns.release(
          request.params.reservationId,
          request.queueUser!.userId,
          request.headers['idempotency-key'],
        ),
      ),
  );

  app.post(
    '/reservations/:reservationId/refund',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Refund a paid seat',
        description:
          'One transaction: the reservation becomes REFUNDED, the seat AVAILABLE (back on sale at once), the ' +
          'payment is marked refunded and its amount credited to the balance as a REFUND ledger row. At most ' +
          `once per reservation: a second refund, even with a new key, is 409 ALREADY_REFUNDED. ${WHO} 404 ` +
          'RESERVATION_NOT_FOUND; 409 REFUND_WINDOW_CLOSED once the show has started, RESERVATION_NOT_CONFIRMED ' +
          'for a reservation that was never paid. No twin under /v1/api: the load-test plan has no refund route.',
        headers: IdempotencyHeaders,
        params: ReservationParams,
        response: { 200: RefundReceipt, ...problems(400, 401, 403, 404, 409, 422) },
      },
      preHandler: tokenHolder(queue),
    },
    async (request, reply) =>
      sendIdempotent(
        reply,
        await returns.refund(
          request.params.reservationId,
          request.queueUser!.userId,
          request.headers['idempotency-key'],
        ),
      ),
  );
};
