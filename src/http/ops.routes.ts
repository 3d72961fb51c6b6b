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
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
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
        response: { 200: Type.Object({ status: Type.Literal('ready') }), ...problems(503) },
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
        response: {
          200: Type.Object({
            sqlQueries: Type.Integer({ description: 'SQL statements sent since start.' }),
            deadlocks: Type.Integer({ description: 'Deadlocks PostgreSQL has detected in this database.' }),
            scheduleCache: CacheCounters,
            seatMapCache: CacheCounters,
            queue: Type.Object({ waiting: Type.Integer(), active: Type.Integer() }),
          }),
        },
      },
    },
    async () => ({
      sqlQueries: database.queryCount(),
      deadlocks: await countDeadlocks(database.sql),
      scheduleCache: cacheStats().schedules,
      seatMapCache: cacheStats().seatMaps,
      queue: await queueStore.counts(),
    }),
  );
};
