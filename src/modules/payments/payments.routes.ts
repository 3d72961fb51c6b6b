import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../../errors.js';
import { sendIdempotent } from '../../http/idempotency.js';
import { userOfQueueToken } from '../../http/identity.js';
import { queueGate, queueTokenOf } from '../../http/queue-gate.js';
import type { Mount, TypeBoxApp } from '../../http/route-docs.js';
import { IdempotencyHeaders, problems } from '../../http/schemas.js';
import type { QueueService } from '../queue/queue.service.js';
import { PayBody, PaymentReceipt } from './payments.schemas.js';
import type { PayInput, PaymentsService } from './payments.service.js';

/**
 * The queue gate, with one exception: an authentic but expired token of the same
 * user may replay a stored payment (the payment itself expired that token, and the
 * Idempotency-Key is how a client learns the outcome after a lost response).
 */
export function paymentGate(queue: QueueService, payments: PaymentsService): preHandlerAsyncHookHandler {
  const gate = queueGate(queue);
  return async function (request, reply) {
    try {
      await gate.call(this, request, reply);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'QUEUE_TOKEN_EXPIRED') throw error;
      const claims = queue.authenticate(queueTokenOf(request));
      const headers = request.headers as { 'idempotency-key': string };
      const replay = await payments.findReplay(request.body as PayInput, headers['idempotency-key'], claims);
      if (!replay) throw error;
      return sendIdempotent(reply, replay);
    }
  };
}

export const payMount: Mount = {
  method: 'POST',
  url: '/payments',
  tags: ['payments'],
  summary: 'Pay for a held seat',
  description:
    'One transaction: the seat becomes RESERVED, the reservation CONFIRMED, the balance is debited with a ' +
    'ledger row; then the queue token is expired (queueTokenExpired: true). Needs the active X-Queue-Token ' +
    'of the reservation’s user and an Idempotency-Key. A retry with the same key returns the original 201 ' +
    '(Idempotent-Replayed: true), even though the payment expired the token: for such a replay an ' +
    'authentic, expired token of the same user is enough. 402 INSUFFICIENT_BALANCE; 404 ' +
    'RESERVATION_NOT_FOUND / RESERVATION_EXPIRED; 409 RESERVATION_ALREADY_CONFIRMED; 400 ' +
    'PAYMENT_AMOUNT_MISMATCH; 403 RESERVATION_OF_ANOTHER_USER; 403 SALE_NOT_OPEN / SALE_CLOSED outside the ' +
    'schedule’s sales window (checked with the seat update); 404 RESERVATION_RELEASED; 409 ALREADY_REFUNDED.',
};

export function payRoute(
  app: TypeBoxApp,
  { method, url, ...docs }: Mount,
  { payments, queue }: { payments: PaymentsService; queue: QueueService },
): void {
  app.route({
    method,
    url,
    schema: {
      ...docs,
      headers: IdempotencyHeaders,
      body: PayBody,
      response: { 201: PaymentReceipt, ...problems(400, 401, 402, 403, 404, 409, 422) },
    },
    // The replay path answers from inside the gate, so the token's owner is checked before it.
    config: { actsFor: userOfQueueToken(queue) },
    preHandler: paymentGate(queue, payments),
    handler: async (request, reply) =>
      sendIdempotent(
        reply,
        await payments.pay(request.body, request.headers['idempotency-key'], request.queueUser!),
      ),
  });
}

export const paymentsRoutes: FastifyPluginAsyncTypebox<{
  payments: PaymentsService;
  queue: QueueService;
}> = async (app, { payments, queue }) => {
  payRoute(app, payMount, { payments, queue });
};
