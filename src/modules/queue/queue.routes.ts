import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { userInBody, userOfQueueToken } from '../../http/identity.js';
import { queueTokenOf } from '../../http/queue-gate.js';
import type { Mount, TypeBoxApp } from '../../http/route-docs.js';
import { problems, QueueTokenHeader } from '../../http/schemas.js';
import {
  CheckReply,
  IssueBody,
  IssueHeaders,
  IssueReply,
  STREAM_EXAMPLE,
  StreamExample,
  StreamHeaders,
  StreamQuery,
} from './queue.schemas.js';
import type { QueueService } from './queue.service.js';
import type { QueueStreams } from './queue-stream.js';

export const issueMount: Mount = {
  method: 'POST',
  url: '/waiting/issue',
  tags: ['queue'],
  summary: 'Join the waiting room (or get your existing place back)',
  description:
    'Returns a signed queue token, the place in line and the expiry. One place per user: issuing again ' +
    'while the token is live returns the same token and place. The place is also sent as X-Queue-Position. ' +
    'The token carries the place (room, arrival sequence, issue time; once admitted, the admission expiry): ' +
    'sending your token as X-Queue-Token takes that signed place back even after the queue store lost its ' +
    'data. 503 QUEUE_STORE_UNAVAILABLE (with Retry-After) while the queue store does not answer. ' +
    'With `concertId`: that sale’s own waiting room; its token admits to that concert only (elsewhere 403 ' +
    'QUEUE_TOKEN_WRONG_SALE). Before the sale opens (salesOpenAt): status PRE_QUEUE, no position, `opensAt`; at ' +
    'the opening a recorded random draw orders the pre-queue ahead of later arrivals, and checking the ' +
    'pre-queue token returns the drawn place with a new token. After salesCloseAt: 403 SALE_CLOSED; unknown ' +
    'concert: 404 CONCERT_NOT_FOUND. Without `concertId`: the default room, as before; its tokens admit to ' +
    'the demo catalog only (holds of an operator’s concert: 403 QUEUE_TOKEN_WRONG_SALE). With ' +
    'QUEUE_POW_DIFFICULTY > 0: X-Queue-Proof (see GET /waiting/challenge) or 428 PROOF_REQUIRED / 400 ' +
    'PROOF_INVALID.',
};

export const checkMount: Mount = {
  method: 'GET',
  url: '/waiting/check',
  tags: ['queue'],
  summary: 'Check your place in the waiting room',
  description:
    'Position (0 once active), whether active, and the estimated wait. Each check keeps a waiting place ' +
    'alive; a waiter silent for QUEUE_IDLE_TIMEOUT_SECONDS loses it. 401 when the token is missing, ' +
    'forged or expired. Answered from the token and per-tick state: touches neither SQL nor the queue ' +
    'store, so it keeps answering while Redis is down. Once active, `token` carries the admission expiry, ' +
    'and a check counts as activity: an admitted user idle for QUEUE_ACTIVE_IDLE_SECONDS (no gated request, ' +
    'check or live hold) loses the slot early (then 401 QUEUE_TOKEN_EXPIRED); `idleDeadline` warns before.',
};

export function issueRoute(
  app: TypeBoxApp,
  { method, url, ...docs }: Mount,
  queue: QueueService,
  guard?: preHandlerAsyncHookHandler,
): void {
  app.route({
    method,
    url,
    schema: {
      ...docs,
      headers: IssueHeaders,
      body: IssueBody,
      response: { 200: IssueReply, ...problems(400, 403, 404, 428, 503) },
    },
    config: { actsFor: userInBody },
    ...(guard ? { preHandler: guard } : {}),
    handler: async (request, reply) => {
      const issued = await queue.issue(request.body.userId, queueTokenOf(request), request.body.concertId);
      if (issued.position !== undefined) reply.header('X-Queue-Position', String(issued.position));
      return issued;
    },
  });
}

export function checkRoute(app: TypeBoxApp, { method, url, ...docs }: Mount, queue: QueueService): void {
  app.route({
    method,
    url,
    schema: { ...docs, headers: QueueTokenHeader, response: { 200: CheckReply, ...problems(400, 401) } },
    config: { actsFor: userOfQueueToken(queue) },
    handler: async (request) => queue.check(queueTokenOf(request)),
  });
}

export const queueRoutes: FastifyPluginAsyncTypebox<{
  queue: QueueService;
  streams: QueueStreams;
  issueGuard?: preHandlerAsyncHookHandler;
}> = async (app, { queue, streams, issueGuard }) => {
  issueRoute(app, issueMount, queue, issueGuard);
  checkRoute(app, checkMount, queue);
  app.get(
    '/waiting/stream',
    {
      schema: {
        tags: ['queue'],
        summary: 'Follow your place in the waiting room (Server-Sent Events)',
        description:
          'Push instead of polling. The token goes in X-Queue-Token or, because a browser EventSource cannot ' +
          'set headers, in ?token=. The first event is sent at once; then `position` (position, ETA, refresh ' +
          'hint) whenever it changes, `active` at admission (with the token that carries the admission), ' +
          '`idle-warning` (with `idleDeadline`) when an admitted user has not acted for QUEUE_ACTIVE_IDLE_SECONDS ' +
          'minus the warning time — any gated request or a check keeps the slot, and `active` follows; an open ' +
          'stream alone does not, only opening it counts — ' +
          '`expired` at the end (then the stream closes), and `heartbeat` every 15 s. Event ids name the ' +
          'state: on reconnect, Last-Event-ID suppresses a repeat of what the client already has. An open ' +
          'stream keeps the place alive like polling. Per tick each stream costs arithmetic, no store call. ' +
          '401 when the token is missing, forged or expired (before the stream starts).',
        headers: StreamHeaders,
        querystring: StreamQuery,
        response: {
          200: {
            description: 'text/event-stream of queue events.',
            content: { 'text/event-stream': { schema: StreamExample, example: STREAM_EXAMPLE } },
          },
          ...problems(400, 401),
        },
      },
    },
    async (request, reply) => {
      const claims = queue.authenticate(queueTokenOf(request) ?? request.query.token);
      await queue.check(queueTokenOf(request) ?? request.query.token); // 401 for an ended token, before streaming
      reply.hijack();
      streams.open(claims, reply.raw, request.headers['last-event-id']);
    },
  );
};
