import v8 from 'node:v8';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { QueueStore } from '../modules/queue/queue-store.js';
import type { Metrics } from '../ops/metrics.js';
import { prepareProblem } from './problem.js';

export interface SheddingDeps {
  config: Pick<
    Config,
    'shedMaxEventLoopDelayMs' | 'shedMaxHeapUsedBytes' | 'shedMaxRssBytes' | 'shedHealthCheckIntervalMs'
  >;
  database: Database;
  queueStore: QueueStore;
  metrics: Metrics;
}

// Probes and scrapes must keep answering while the API sheds: that is when they matter most.
const EXEMPT = new Set(['/health', '/ready', '/metrics']);
const ANSWERED_FROM_TOKEN = new Set(['/waiting/check', '/waiting/stream', '/v1/api/queue/token/check']);
// Overload passes in seconds (one sample); a store coming back takes longer.
const RETRY_AFTER_OVERLOADED = 2;
const RETRY_AFTER_STORE = 5;
// Unset SHED_MAX_HEAP_USED_MB: shed before V8 runs out of heap and the process dies.
const DEFAULT_HEAP_FRACTION = 0.9;
const STARTUP_GRACE_MS = 2_000;

/**
 * Load shedding with @fastify/under-pressure: past the event-loop delay, heap or RSS
 * limits, or while a store fails its health check, every route but the probes answers
 * 503 problem+json (OVERLOADED or STORE_UNAVAILABLE) with Retry-After, at once and
 * without touching a store — cheaper than letting requests queue up and time out.
 */
export async function registerLoadShedding(app: FastifyInstance, deps: SheddingDeps): Promise<void> {
  const { config, database, queueStore, metrics } = deps;
  const healthCheck = async () => {
    const [postgres, queue] = await Promise.allSettled([database.sql`SELECT 1`, queueStore.ping()]);
    if (postgres.status === 'rejected') metrics.storeErrors.inc({ store: 'postgres' });
    if (queue.status === 'rejected') metrics.storeErrors.inc({ store: 'queue' });
    return postgres.status === 'fulfilled' && queue.status === 'fulfilled';
  };
  // Every API route can now answer 503: say so in its schema (and so in the OpenAPI document).
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response || EXEMPT.has(route.url) || response[503]) return;
    route.schema = { ...route.schema, response: { ...response, 503: Type.Ref('Problem') } };
  });
  // Start-up itself blocks the loop (schemas compile at ready): the first samples measure that,
  // not load, so event-loop shedding starts two sample intervals after ready.
  let readyAt = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    readyAt = Date.now();
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.shedMaxEventLoopDelayMs,
    maxHeapUsedBytes:
      config.shedMaxHeapUsedBytes ??
      Math.floor(v8.getHeapStatistics().heap_size_limit * DEFAULT_HEAP_FRACTION),
    maxRssBytes: config.shedMaxRssBytes,
    ...(config.shedHealthCheckIntervalMs > 0
      ? { healthCheck, healthCheckInterval: config.shedHealthCheckIntervalMs }
      : {}),
    // The plugin sends what the handler returns (its types say void); undefined lets the request through.
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string, value?: number) => {
      if (EXEMPT.has(request.routeOptions.url ?? '')) return undefined; // go on as if not under pressure
      // The plugin reports Infinity when its sample found no delay measurement at all (its timer
      // ran first after a long block): no evidence of overload. A real block is measured in the
      // next sample and sheds then.
      if (type === 'eventLoopDelay' && (!Number.isFinite(value) || Date.now() - readyAt < STARTUP_GRACE_MS))
        return undefined;
      // A check and its stream are answered from the signed token (design: the token carries the
      // place), so a store outage must not cut a waiting fan off from the line.
      if (type === 'healthCheck' && ANSWERED_FROM_TOKEN.has(request.routeOptions.url ?? '')) return undefined;
      if (type === 'healthCheck') {
        reply.header('retry-after', RETRY_AFTER_STORE);
        return prepareProblem(
          reply,
          503,
          'STORE_UNAVAILABLE',
          'A store (PostgreSQL or Redis) does not answer.',
        );
      }
      reply.header('retry-after', RETRY_AFTER_OVERLOADED);
      return prepareProblem(reply, 503, 'OVERLOADED', `The server is overloaded (${type}); retry shortly.`);
    }) as unknown as FastifyUnderPressureOptions['pressureHandler'],
  });
}
