import type { onResponseHookHandler } from 'fastify';
import type { Clock } from '../clock.js';

const BUCKET_MS = 5_000;
/** Operator routes, pages and probes: not what fans and API clients get. */
export const IGNORED = /^(\/admin|\/assets|\/$|\/health|\/ready|\/metrics|\/stats)/;

export interface ResponseCounts {
  windowSeconds: number;
  total: number;
  clientErrors: number;
  serverErrors: number;
}

/**
 * Responses by status class over the last minute, in this process, for the operator
 * dashboard's error rate. Operator routes, pages and probes are left out: the dashboard's
 * own polling would otherwise count itself. Fixed 5-s buckets, so memory is constant.
 */
export function createResponseCounter(clock: Clock, windowMs = 60_000) {
  const buckets = new Map<number, { total: number; clientErrors: number; serverErrors: number }>();
  // Route templates are few: each is tested against IGNORED once, not once per request.
  const ignored = new Map<string, boolean>();
  const isIgnored = (route: string) => {
    let known = ignored.get(route);
    if (known === undefined) {
      known = IGNORED.test(route);
      ignored.set(route, known);
    }
    return known;
  };
  const onResponse: onResponseHookHandler = (request, reply, done) => {
    if (!isIgnored(request.routeOptions.url ?? '')) {
      const start = Math.floor(clock.now() / BUCKET_MS) * BUCKET_MS;
      let bucket = buckets.get(start);
      if (!bucket) {
        bucket = { total: 0, clientErrors: 0, serverErrors: 0 };
        buckets.set(start, bucket);
        for (const at of buckets.keys()) if (at <= start - windowMs) buckets.delete(at);
      }
      bucket.total += 1;
      if (reply.statusCode >= 500) bucket.serverErrors += 1;
      else if (reply.statusCode >= 400) bucket.clientErrors += 1;
    }
    done();
  };
  return {
    onResponse,
    snapshot(): ResponseCounts {
      const since = clock.now() - windowMs;
      const counts: ResponseCounts = {
        windowSeconds: windowMs / 1000,
        total: 0,
        clientErrors: 0,
        serverErrors: 0,
      };
      for (const [at, bucket] of buckets) {
        if (at + BUCKET_MS <= since) continue;
        counts.total += bucket.total;
        counts.clientErrors += bucket.clientErrors;
        counts.serverErrors += bucket.serverErrors;
      }
      return counts;
    },
  };
}
export type ResponseCounter = ReturnType<typeof createResponseCounter>;
