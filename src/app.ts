import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { registerProblemHandling, sendProblem } from './http/problem.js';
import { problems } from './http/schemas.js';
import { createValidatorCompiler } from './http/validation.js';
import { queueRoutes } from './modules/queue/queue.routes.js';
import { createQueueService } from './modules/queue/queue.service.js';
import { startAdmissionTicks } from './modules/queue/queue-admission.js';
import type { QueueStore } from './modules/queue/queue-store.js';
import { createTokenSigner } from './modules/queue/queue-token.js';
import { userExists } from './modules/wallet/wallet.repository.js';
import { walletRoutes } from './modules/wallet/wallet.routes.js';

export interface AppDeps {
  config: Config;
  logger: FastifyBaseLogger;
  clock: Clock;
  /** Owned by the app from here on: closed when the app closes. */
  database: Database;
  /** Owned by the app from here on: closed when the app closes. */
  queueStore: QueueStore;
  tokenSecret: string;
  /** Background work (admission tick); tests drive it by hand instead. */
  runBackgroundJobs?: boolean;
}

/** Wires stores → services → plugins → routes. Nothing here reads the environment. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, clock, database, queueStore } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request lines only when debugging: at 10k+ req/s they cost more than the routes.
    logController: new LogController({
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    bodyLimit: 64 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  registerProblemHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'stagedoor',
        version: '0.1.0',
        description:
          'Concert ticketing at the moment tickets open: a virtual waiting room, seat holds, balance and ' +
          'payments. Every error is RFC 9457 application/problem+json with a stable `code`.',
      },
      tags: [
        { name: 'queue', description: 'The virtual waiting room' },
        { name: 'wallet', description: 'Balance and charges' },
        { name: 'ops', description: 'Health and readiness' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const queue = createQueueService({
    store: queueStore,
    signer: createTokenSigner(deps.tokenSecret),
    clock,
    userExists: (userId) => userExists(database.sql, userId),
    idleTimeoutSeconds: config.queueIdleTimeoutSeconds,
  });

  await app.register(queueRoutes, { queue });
  await app.register(walletRoutes, { sql: database.sql, queue });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
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

  const stops: (() => void)[] = [];
  if (deps.runBackgroundJobs !== false) {
    stops.push(startAdmissionTicks(queueStore, clock, config.queueTickMs, app.log));
  }
  app.addHook('onClose', async () => {
    for (const stop of stops) stop();
    await Promise.allSettled([queueStore.close(), database.close()]);
  });
  return app;
}
