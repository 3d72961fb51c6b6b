import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendIdempotent } from '../../http/idempotency.js';
import { userInParams } from '../../http/identity.js';
import { queueGate } from '../../http/queue-gate.js';
import { IdempotencyHeaders, problems, QueueTokenHeader } from '../../http/schemas.js';
import type { QueueService } from '../queue/queue.service.js';
import { BalanceReply, ChargeBody, ChargeReply, UserParams } from './wallet.schemas.js';
import type { WalletService } from './wallet.service.js';

export const walletRoutes: FastifyPluginAsyncTypebox<{ wallet: WalletService; queue: QueueService }> = async (
  app,
  { wallet, queue },
) => {
  const gate = queueGate(queue, { userIdOf: (request) => (request.params as { userId: number }).userId });

  app.get(
    '/users/:userId/amount',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Current balance',
        description:
          'Needs the active X-Queue-Token of this user (401 missing/expired; 403 waiting or another user).',
        params: UserParams,
        headers: QueueTokenHeader,
        response: { 200: BalanceReply, ...problems(400, 401, 403, 404) },
      },
      config: { actsFor: userInParams },
      preHandler: gate,
    },
    async (request) => wallet.balance(request.params.userId),
  );

  app.patch(
    '/users/:userId/charge',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Add money to the balance',
        description:
          'Needs the active X-Queue-Token of this user and an Idempotency-Key (a retry returns the first answer ' +
          'with Idempotent-Replayed: true; another body with the same key is 422). Policy violations are 400: ' +
          'CHARGE_AMOUNT_INVALID (not a positive whole number), CHARGE_BELOW_MINIMUM, CHARGE_ABOVE_MAXIMUM, ' +
          'MONTHLY_CHARGE_LIMIT_EXCEEDED (calendar month in CHARGE_TIME_ZONE, Asia/Seoul by default).',
        params: UserParams,
        headers: IdempotencyHeaders,
        body: ChargeBody,
        response: { 200: ChargeReply, ...problems(400, 401, 403, 404, 409, 422) },
      },
      config: { actsFor: userInParams },
      preHandler: gate,
    },
    async (request, reply) =>
      sendIdempotent(
        reply,
        await wallet.charge(request.params.userId, request.body.amount, request.headers['idempotency-key']),
      ),
  );
};
