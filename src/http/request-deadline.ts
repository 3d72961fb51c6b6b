import type { FastifyInstance, FastifyReply, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import { sendProblem } from './problem.js';

// Long-lived by design: a stream of queue positions ends when the fan leaves, not on a deadline.
// Matched on the raw URL (the route's options are a getter that builds an object per call); a
// stream reached by another spelling is still safe: it hijacks its reply, and a hijacked reply
// is never answered by the deadline.
const STREAM = /^\/waiting\/stream(?:[/?#]|$)/;

/** How often the deadlines are swept: a twentieth of the deadline, within 5..250 ms. */
export function sweepIntervalMs(deadlineMs: number): number {
  return Math.min(250, Math.max(5, Math.floor(deadlineMs / 20)));
}

declare module 'fastify' {
  interface FastifyReply {
    /** The deadline bucket this reply waits in (request-deadline.ts); null once answered. */
    deadlineBucket: Set<FastifyReply> | null;
  }
}

/**
 * Every request is answered within `deadlineMs` (plus at most one sweep interval): past it,
 * 503 REQUEST_TIMEOUT with Retry-After, even if the work behind it is still waiting. That covers
 * what no timeout below us does: a query whose connection died mid-flight and that the
 * PostgreSQL client never settles (seen in the chaos runs around a server's fast shutdown).
 * Writes stay safe: each is one transaction that commits whole or not at all, and the client
 * retries with its Idempotency-Key, which replays a write that did commit. The late result, if
 * any, is dropped (logged by Fastify at debug level).
 *
 * One timer for all requests, not one per request (issue 10: a setTimeout, its closure and a
 * 'close' listener per request cost more than a token check): requests wait in buckets by due
 * time (a coarse timer wheel); answering removes a request from its bucket, and one interval
 * answers what is left in the buckets that fell due.
 */
export function registerRequestDeadline(app: FastifyInstance, deadlineMs: number): void {
  if (deadlineMs <= 0) return;
  const granularity = sweepIntervalMs(deadlineMs);
  // Due slot → the replies due in it, oldest slot first (Map keeps insertion order, and slots
  // are created in time order).
  const buckets = new Map<number, Set<FastifyReply>>();

  const expire = (reply: FastifyReply) => {
    reply.deadlineBucket = null;
    // Gone client or already answered (a hijacked reply, a stream that escaped the list): nothing to say.
    if (reply.sent || reply.raw.destroyed) return;
    reply.log.warn(
      { deadlineMs, url: reply.request.routeOptions.url },
      'request deadline passed; answered 503',
    );
    sendProblem(reply, 503, 'REQUEST_TIMEOUT', `No answer within ${deadlineMs} ms; try again shortly.`);
  };
  const sweep = () => {
    const current = Math.floor(Date.now() / granularity);
    for (const [slot, replies] of buckets) {
      if (slot >= current) break;
      buckets.delete(slot);
      for (const reply of replies) expire(reply);
    }
  };
  let timer: NodeJS.Timeout | undefined;

  const arm: onRequestHookHandler = (request, reply, done) => {
    if (STREAM.test(request.raw.url ?? '')) return done();
    // Swept once the slot is over: never before deadlineMs, at most two intervals after it.
    const slot = Math.floor((Date.now() + deadlineMs) / granularity);
    let bucket = buckets.get(slot);
    if (!bucket) {
      bucket = new Set();
      buckets.set(slot, bucket);
    }
    bucket.add(reply);
    reply.deadlineBucket = bucket;
    done();
  };
  const disarm: onResponseHookHandler = (_request, reply, done) => {
    reply.deadlineBucket?.delete(reply);
    reply.deadlineBucket = null;
    done();
  };

  app.decorateReply('deadlineBucket', null);
  app.addHook('onRequest', arm);
  app.addHook('onResponse', disarm);
  app.addHook('onReady', async () => {
    timer = setInterval(sweep, granularity);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
