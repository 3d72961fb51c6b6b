import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queueTokenOf } from '../../http/queue-gate.js';
import type { Mount, TypeBoxApp } from '../../http/route-docs.js';
import { problems, QueueTokenHeader } from '../../http/schemas.js';
import { CheckReply, IssueBody, IssueReply } from './queue.schemas.js';
import type { QueueService } from './queue.service.js';

export const issueMount: Mount = {
  method: 'POST',
  url: '/waiting/issue',
  tags: ['queue'],
  summary: 'Join the waiting room (or get your existing place back)',
  description:
    'Returns a signed queue token, the place in line and the expiry. One place per user: issuing again ' +
    'while the token is live returns the same token and place. The place is also sent as X-Queue-Position.',
};

export const checkMount: Mount = {
  method: 'GET',
  url: '/waiting/check',
  tags: ['queue'],
  summary: 'Check your place in the waiting room',
  description:
    'Position (0 once active), whether active, and the estimated wait. Each check keeps a waiting place ' +
    'alive; a waiter silent for QUEUE_IDLE_TIMEOUT_SECONDS loses it. 401 when the token is missing, ' +
    'forged or expired. Touches no SQL.',
};

export function issueRoute(app: TypeBoxApp, { method, url, ...docs }: Mount, queue: QueueService): void {
  app.route({
    method,
    url,
    schema: { ...docs, body: IssueBody, response: { 200: IssueReply, ...problems(400, 404) } },
    handler: async (request, reply) => {
      const issued = await queue.issue(request.body.userId);
      reply.header('X-Queue-Position', String(issued.position));
      return issued;
    },
  });
}

export function checkRoute(app: TypeBoxApp, { method, url, ...docs }: Mount, queue: QueueService): void {
  app.route({
    method,
    url,
    schema: { ...docs, headers: QueueTokenHeader, response: { 200: CheckReply, ...problems(400, 401) } },
    handler: async (request) => queue.check(queueTokenOf(request)),
  });
}

export const queueRoutes: FastifyPluginAsyncTypebox<{ queue: QueueService }> = async (app, { queue }) => {
  issueRoute(app, issueMount, queue);
  checkRoute(app, checkMount, queue);
};
