import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Sql } from '../../db/client.js';
import { notFound } from '../../errors.js';
import { queueGate } from '../../http/queue-gate.js';
import { problems, QueueTokenHeader } from '../../http/schemas.js';
import type { QueueService } from '../queue/queue.service.js';
import { findBalance } from './wallet.repository.js';
import { BalanceReply, UserParams } from './wallet.schemas.js';

export const walletRoutes: FastifyPluginAsyncTypebox<{ sql: Sql; queue: QueueService }> = async (
  app,
  { sql, queue },
) => {
  app.get(
    '/users/:userId/amount',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Current balance',
        description:
          'Needs the X-Queue-Token of this user, active (401 missing/expired, 403 waiting or another user).',
        params: UserParams,
        headers: QueueTokenHeader,
        response: { 200: BalanceReply, ...problems(400, 401, 403, 404) },
      },
      preHandler: queueGate(queue, { userIdOf: (request) => (request.params as { userId: number }).userId }),
    },
    async (request) => {
      const { userId } = request.params;
      const amount = await findBalance(sql, userId);
      if (amount === undefined) throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
      return { userId, amount };
    },
  );
};
