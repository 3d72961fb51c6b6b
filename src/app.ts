import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { opsRoutes } from './http/ops.routes.js';
import { registerProblemHandling } from './http/problem.js';
import { createValidatorCompiler } from './http/validation.js';
import { startIntervalJob } from './interval-job.js';
import { concertsRoutes } from './modules/concerts/concerts.routes.js';
import { createConcertsService } from './modules/concerts/concerts.service.js';
import type { SeatVersions } from './modules/concerts/seat-versions.js';
import { paymentsRoutes } from './modules/payments/payments.routes.js';
import { createPaymentsService } from './modules/payments/payments.service.js';
import { queueRoutes } from './modules/queue/queue.routes.js';
import { createQueueService } from './modules/queue/queue.service.js';
import type { QueueStore } from './modules/queue/queue-store.js';
import { createTokenSigner } from './modules/queue/queue-token.js';
import { runMaintenance } from './modules/reservations/hold-sweeper.js';
import { reservationsRoutes } from './modules/reservations/reservations.routes.js';
import { createReservationsService } from './modules/reservations/reservations.service.js';
import { V1_TAG, v1Routes } from './modules/v1/v1.routes.js';
import { createUserDirectory } from './modules/wallet/user-directory.js';
import { walletRoutes } from './modules/wallet/wallet.routes.js';
import { createWalletService } from './modules/wallet/wallet.service.js';

export interface AppDeps {
  config: Config;
  logger: FastifyBaseLogger;
  clock: Clock;
  /** Owned by the app from here on: closed when the app closes. */
  database: Database;
  /** Owned by the app from here on: closed when the app closes. */
  queueStore: QueueStore;
  seatVersions: SeatVersions;
  tokenSecret: string;
  /** Background work (admission tick, hold sweep); tests drive it by hand instead. */
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
        { name: 'concerts', description: 'Concerts, schedules and seat maps' },
        { name: 'reservations', description: 'Seat holds' },
        { name: 'wallet', description: 'Balance and charges' },
        { name: 'payments', description: 'Paying for a held seat' },
        {
          name: V1_TAG,
          description: 'The /v1/api route set of the load-test plan: the same operations under other paths.',
        },
        { name: 'ops', description: 'Health, readiness and counters' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const queue = createQueueService({
    store: queueStore,
    signer: createTokenSigner(deps.tokenSecret),
    clock,
    userExists: createUserDirectory(database.sql).exists,
    idleTimeoutSeconds: config.queueIdleTimeoutSeconds,
  });

  const concerts = createConcertsService({
    sql: database.sql,
    clock,
    cacheTtlMs: config.scheduleCacheTtlMs,
    seatVersions: deps.seatVersions,
  });
  const reservations = createReservationsService({
    sql: database.sql,
    clock,
    holdSeconds: config.holdSeconds,
    seatStatus: concerts.seatStatus,
    seatMapOutdated: concerts.seatMapOutdated,
    onSeatChanged: concerts.seatsChanged,
    log: app.log,
  });

  const wallet = createWalletService({
    sql: database.sql,
    clock,
    policy: {
      min: config.chargeMin,
      max: config.chargeMax,
      monthlyLimit: config.chargeMonthlyLimit,
      timeZone: config.chargeTimeZone,
    },
  });
  const payments = createPaymentsService({
    sql: database.sql,
    clock,
    expireQueueToken: queue.expire,
    onSeatChanged: concerts.seatsChanged,
    log: app.log,
  });

  await app.register(queueRoutes, { queue });
  await app.register(concertsRoutes, { concerts });
  await app.register(reservationsRoutes, { reservations, queue });
  await app.register(walletRoutes, { wallet, queue });
  await app.register(paymentsRoutes, { payments, queue });
  await app.register(v1Routes, { queue, concerts, reservations, wallet, payments });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(opsRoutes, { database, queueStore, cacheStats: concerts.cacheStats });

  const stops: (() => void)[] = [];
  if (deps.runBackgroundJobs !== false) {
    // Every process runs both; the queue store admits once per tick slot, the sweeper skips locked rows.
    stops.push(
      startIntervalJob('queue admission', config.queueTickMs, app.log, () => queueStore.admit(clock.now())),
    );
    stops.push(
      startIntervalJob('hold sweep', config.holdSweepIntervalMs, app.log, () =>
        runMaintenance(database.sql, clock, config.idempotencyTtlHours),
      ),
    );
  }
  app.addHook('onClose', async () => {
    for (const stop of stops) stop();
    await Promise.allSettled([queueStore.close(), database.close()]);
  });
  return app;
}
