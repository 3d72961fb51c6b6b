import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../db/client.js';
import type { QueueStore } from '../modules/queue/queue-store.js';
import { type Metrics, metricValue } from '../ops/metrics.js';
import { sendProblem } from './problem.js';
import { problems } from './schemas.js';

export interface OpsDeps {
  database: Database;
  queueStore: QueueStore;
  metrics: Metrics;
}

const CacheCounters = Type.Object({ hits: Type.Integer(), misses: Type.Integer(), size: Type.Integer() });

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function countDeadlocks(sql: Database['sql']): Promise<number> {
  const [row] = await sql<{ deadlocks: number }[]>`
    SELECT deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()`;
  return row?.deadlocks ?? 0;
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsDeps> = async (
  app,
  { database, queueStore, metrics },
) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness',
        description: 'The process is up and serving HTTP. Touches no store.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { examples: [{ status: 'ok' }] }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: PostgreSQL and the queue store answer',
        description:
          'For load balancers: 503 NOT_READY while PostgreSQL or the queue store (Redis) does not answer.',
        response: {
          200: Type.Object({ status: Type.Literal('ready') }, { examples: [{ status: 'ready' }] }),
          ...problems(503),
        },
      },
    },
    async (request, reply) => {
      try {
        // Bounded: a store that is gone makes /ready say so within a second, not hang it.
        await within(800, Promise.all([database.sql`SELECT 1`, queueStore.ping()]));
        return { status: 'ready' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'not ready');
        return sendProblem(
          reply,
          503,
          'NOT_READY',
          'A store (PostgreSQL or the queue store) does not answer.',
        );
      }
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        tags: ['ops'],
        summary: 'Counters of this process (the load test reads them)',
        description:
          'SQL statements sent, deadlocks PostgreSQL has counted in this database, hits and misses of the ' +
          'schedule and seat-map caches, and the queue’s size. Per process: add them up across processes. ' +
          'A JSON view of the same registry that `GET /metrics` exports in the Prometheus format ' +
          '(`stagedoor_sql_statements_total`, `stagedoor_cache_*`, `stagedoor_queue_*_users`).',
        response: {
          200: Type.Object(
            {
              sqlQueries: Type.Integer({ description: 'SQL statements sent since start.' }),
              sqlTransactions: Type.Integer({
                description:
                  'Transactions opened since start; round trips ≤ sqlQueries + 2 × sqlTransactions (BEGIN, COMMIT).',
              }),
              deadlocks: Type.Integer({ description: 'Deadlocks PostgreSQL has detected in this database.' }),
              scheduleCache: CacheCounters,
              seatMapCache: CacheCounters,
              queue: Type.Object({ waiting: Type.Integer(), active: Type.Integer() }),
            },
            {
              examples: [
                {
                  sqlQueries: 1520,
                  sqlTransactions: 12,
                  deadlocks: 0,
                  scheduleCache: { hits: 9800, misses: 12, size: 3 },
                  seatMapCache: { hits: 5400, misses: 40, size: 10 },
                  queue: { waiting: 1200, active: 1000 },
                },
              ],
            },
          ),
        },
      },
    },
    async () => {
      const sqlQueries = await metricValue(metrics.sqlStatements); // read before this handler's own statement
      const cache = async (name: string) => ({
        hits: await metricValue(metrics.cache.hits, { cache: name }),
        misses: await metricValue(metrics.cache.misses, { cache: name }),
        size: await metricValue(metrics.cacheEntries, { cache: name }),
      });
      return {
        sqlQueries,
        sqlTransactions: database.transactionCount(),
        deadlocks: await countDeadlocks(database.sql),
        scheduleCache: await cache('schedules'),
        seatMapCache: await cache('seat_maps'),
        queue: {
          waiting: await metricValue(metrics.queue.waiting),
          active: await metricValue(metrics.queue.active),
        },
      };
    },
  );
};
