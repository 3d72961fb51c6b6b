import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { sendIdempotent } from '../../http/idempotency.js';
import { userInBody, userInQuery } from '../../http/identity.js';
import { queueGate } from '../../http/queue-gate.js';
import { twinOf } from '../../http/route-docs.js';
import { IdempotencyHeaders, PositiveId, problems, QueueTokenHeader } from '../../http/schemas.js';
import { sendSeatMap } from '../concerts/concerts.routes.js';
import { ScheduleList, SeatMap } from '../concerts/concerts.schemas.js';
import type { ConcertsService } from '../concerts/concerts.service.js';
import { payMount, payRoute } from '../payments/payments.routes.js';
import type { PaymentsService } from '../payments/payments.service.js';
import { checkMount, checkRoute, issueMount, issueRoute } from '../queue/queue.routes.js';
import type { QueueService } from '../queue/queue.service.js';
import { reserveMount, reserveRoute } from '../reservations/reservations.routes.js';
import type { ReservationsService } from '../reservations/reservations.service.js';
import { BalanceReply, ChargeForUserBody, ChargeReply } from '../wallet/wallet.schemas.js';
import type { WalletService } from '../wallet/wallet.service.js';

export interface V1Deps {
  queue: QueueService;
  concerts: ConcertsService;
  reservations: ReservationsService;
  wallet: WalletService;
  payments: PaymentsService;
  /** Proof-of-work on joining (QUEUE_POW_DIFFICULTY), as on POST /waiting/issue. */
  issueGuard?: preHandlerAsyncHookHandler;
}

export const V1_TAG = 'v1 (load-test plan routes)';
const tags = [V1_TAG];
const same = (route: string) => `The same operation as ${route}: same gate, idempotency, answers and errors.`;

/**
 * The route set named by the load-test plan (spec document B). Each route only maps
 * its input to the service the main route set uses; no logic lives here.
 */
export const v1Routes: FastifyPluginAsyncTypebox<V1Deps> = async (app, deps) => {
  const { queue, concerts, reservations, wallet, payments } = deps;

  issueRoute(app, twinOf(issueMount, 'POST', '/v1/api/queue/token', V1_TAG), queue, deps.issueGuard);
  checkRoute(app, twinOf(checkMount, 'POST', '/v1/api/queue/token/check', V1_TAG), queue);

  const UserQuery = Type.Object({ userId: PositiveId('The user.') });
  app.get(
    '/v1/api/user/amount',
    {
      schema: {
        tags,
        summary: 'Read the balance',
        description: same('GET /users/{userId}/amount'),
        querystring: UserQuery,
        headers: QueueTokenHeader,
        response: { 200: BalanceReply, ...problems(400, 401, 403, 404) },
      },
      config: { actsFor: userInQuery },
      preHandler: queueGate(queue, { userIdOf: (request) => (request.query as { userId: number }).userId }),
    },
    async (request) => wallet.balance(request.query.userId),
  );

  app.post(
    '/v1/api/user/amount',
    {
      schema: {
        tags,
        summary: 'Charge the balance',
        description: same('PATCH /users/{userId}/charge'),
        headers: IdempotencyHeaders,
        body: ChargeForUserBody,
        response: { 200: ChargeReply, ...problems(400, 401, 403, 404, 409, 422) },
      },
      config: { actsFor: userInBody },
      preHandler: queueGate(queue, { userIdOf: (request) => (request.body as { userId: number }).userId }),
    },
    async (request, reply) =>
      sendIdempotent(
        reply,
        await wallet.charge(request.body.userId, request.body.amount, request.headers['idempotency-key']),
      ),
  );

  const ConcertQuery = Type.Object({
    concertId: PositiveId('The concert.'),
    includeSoldOut: Type.Boolean({ default: false }),
  });
  app.get(
    '/v1/api/concerts/schedule',
    {
      schema: {
        tags,
        summary: 'Bookable schedules',
        description: same('GET /concerts/{concertId}/schedules'),
        querystring: ConcertQuery,
        response: { 200: ScheduleList, ...problems(400, 404) },
      },
    },
    async (request) => concerts.listSchedules(request.query.concertId, request.query.includeSoldOut),
  );

  const SeatQuery = Type.Object({
    concertId: PositiveId('The concert.'),
    scheduleId: PositiveId('The schedule.'),
  });
  app.get(
    '/v1/api/concerts/seat',
    {
      schema: {
        tags,
        summary: 'Seat map',
        description: same('GET /concerts/{concertId}/schedules/{scheduleId}/seats'),
        querystring: SeatQuery,
        response: { 200: SeatMap, ...problems(400, 404) },
      },
    },
    async (request, reply) =>
      sendSeatMap(
        reply,
        await concerts.seatMapAnswer(
          request.query.concertId,
          request.query.scheduleId,
          request.headers['accept-encoding'],
        ),
      ),
  );

  reserveRoute(app, twinOf(reserveMount, 'POST', '/v1/api/concerts/reserve', V1_TAG), {
    reservations,
    queue,
  });
  payRoute(app, twinOf(payMount, 'POST', '/v1/api/concerts/payment', V1_TAG), { payments, queue });
};
