import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queueTokenOf } from '../../http/queue-gate.js';
import { problems, QueueTokenHeader } from '../../http/schemas.js';
import { CheckReply, IssueBody, IssueReply } from './queue.schemas.js';
import type { QueueService } from './queue.service.js';

export const queueRoutes: FastifyPluginAsyncTypebox<{ queue: QueueService }> = async (app, { queue }) => {
  app.post(
    '/waiting/issue',
    {
      schema: {
        tags: ['queue'],
        summary: 'Join the waiting room (or get your existing place back)',
        description:
          'Returns a signed queue token, the place in line and the expiry. One place per user: issuing again ' +
          'while the token is live returns the same token and place. The place is also sent as X-Queue-Position.',
        body: IssueBody,
        response: { 200: IssueReply, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const issued = await queue.issue(request.body.userId);
      reply.header('X-Queue-Position', String(issued.position));
      return issued;
    },
  );

  app.get(
    '/waiting/check',
    {
      schema: {
        tags: ['queue'],
        summary: 'Check your place in the waiting room',
        description:
          'Position (0 once active), whether active, and the estimated wait. Each check keeps a waiting place ' +
          'alive; a waiter silent for QUEUE_IDLE_TIMEOUT_SECONDS loses it. 401 when the token is missing, ' +
          'forged or expired. Touches no SQL.',
        headers: QueueTokenHeader,
        response: { 200: CheckReply, ...problems(400, 401) },
      },
    },
    async (request) => queue.check(queueTokenOf(request)),
  );
};
