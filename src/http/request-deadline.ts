import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.js';

// Long-lived by design: a stream of queue positions ends when the fan leaves, not on a deadline.
const STREAMS = new Set(['/waiting/stream']);

/**
 * Every request is answered within `deadlineMs`: past it, 503 REQUEST_TIMEOUT with Retry-After,
 * even if the work behind it is still waiting. That covers what no timeout below us does: a
 * query whose connection died mid-flight and that the PostgreSQL client never settles (seen in
 * the chaos runs around a server's fast shutdown). Writes stay safe: each is one transaction that
 * commits whole or not at all, and the client retries with its Idempotency-Key, which replays a
 * write that did commit. The late result, if any, is dropped (logged by Fastify at debug level).
 */
export function registerRequestDeadline(app: FastifyInstance, deadlineMs: number): void {
  if (deadlineMs <= 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    if (STREAMS.has(request.routeOptions.url ?? '')) return done();
    const timer = setTimeout(() => {
      if (reply.sent) return;
      request.log.warn(
        { deadlineMs, url: request.routeOptions.url },
        'request deadline passed; answered 503',
      );
      sendProblem(reply, 503, 'REQUEST_TIMEOUT', `No answer within ${deadlineMs} ms; try again shortly.`);
    }, deadlineMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
