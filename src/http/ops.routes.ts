import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../db/client.js';
import type { CacheStats } from '../modules/concerts/schedule-cache.js';
import type { QueueStore } from '../modules/queue/queue-store.js';
import { sendProblem } from './problem.js';
import { problems } from './schemas.js';

export interface OpsDeps {
  database: Database;
  queueStore: QueueStore;
  cacheStats(): { schedules: CacheStats; seatMaps: CacheStats };
}

const CacheCounters = Type.Object({ hits: Type.Integer(), misses: Type.Integer(), size: Type.Integer() });

async function countDeadlocks(sql: Database['sql']): Promise<number> {
  const [row] = await sql<{ deadlocks: number }[]>`
    SELECT deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()`;
  return row?.deadlocks ?? 0;
}

export const opsRoutes: FastifyPluginAsyncTypebox<OpsDeps> = async (
  app,
  { database, queueStore, cacheStats },
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
        await Promise.all([database.sql`SELECT 1`, queueStore.ping()]);
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
          'schedule and seat-map caches, and the queue’s size. Per process: add them up across processes.',
        response: {
          200: Type.Object(
            {
              sqlQueries: Type.Integer({ description: 'SQL statements sent since start.' }),
              deadlocks: Type.Integer({ description: 'Deadlocks PostgreSQL has detected in this database.' }),
              scheduleCache: CacheCounters,
              seatMapCache: CacheCounters,
              queue: Type.Object({ waiting: Type.Integer(), active: Type.Integer() }),
            },
            {
              examples: [
                {
                  sqlQueries: 1520,
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
      const sqlQueries = database.queryCount(); // read before this handler's own statement
      const caches = cacheStats();
      return {
        sqlQueries,
        deadlocks: await countDeadlocks(database.sql),
        scheduleCache: caches.schedules,
        seatMapCache: caches.seatMaps,
        queue: await queueStore.counts(),
      };
    },
  );
};
