import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { adminTokenCheck, type OperatorCheck } from './http/admin-auth.js';
import { healthRecorder } from './http/health-recorder.js';
import { bearerSecuritySchemes, jwtOperatorCheck, registerIdentity } from './http/identity.js';
import { registerLoadShedding } from './http/load-shedding.js';
import { registerMetrics } from './http/metrics.js';
import { opsRoutes } from './http/ops.routes.js';
import { pagesPlugin, WEB_DIST } from './http/pages.js';
import { frameworkErrors, registerProblemHandling } from './http/problem.js';
import { registerRateLimits } from './http/rate-limit.js';
import { registerRequestDeadline } from './http/request-deadline.js';
import { registerRequestId, requestIdOf } from './http/request-id.js';
import { requestLoggerFactory } from './http/request-logger.js';
import { createResponseCounter } from './http/response-counter.js';
import { createValidatorCompiler } from './http/validation.js';
import { startIntervalJob } from './interval-job.js';
import { adminRoutes } from './modules/admin/admin.routes.js';
import { concertsRoutes } from './modules/concerts/concerts.routes.js';
import { createConcertsService } from './modules/concerts/concerts.service.js';
import type { SeatVersions } from './modules/concerts/seat-versions.js';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.js';
import { identityRoutes } from './modules/identity/identity.routes.js';
import { createIdentityService } from './modules/identity/identity.service.js';
import { paymentsRoutes } from './modules/payments/payments.routes.js';
import { createPaymentsService } from './modules/payments/payments.service.js';
import { createPow } from './modules/pow/pow.routes.js';
import { DEFAULT_CONTROLLER } from './modules/queue/admission-controller.js';
import { type AdmissionDecision, createAdmissionPolicy } from './modules/queue/admission-policy.js';
import { HealthWindow } from './modules/queue/health-window.js';
import { queueRoutes } from './modules/queue/queue.routes.js';
import { createQueueService } from './modules/queue/queue.service.js';
import type { AdmitResult, QueueStore } from './modules/queue/queue-store.js';
import { createQueueStreams } from './modules/queue/queue-stream.js';
import { createQueueTicker, type PaidPlace } from './modules/queue/queue-ticker.js';
import { createTokenSigner } from './modules/queue/queue-token.js';
import { reservationsRoutes } from './modules/reservations/reservations.routes.js';
import { createReservationsService } from './modules/reservations/reservations.service.js';
import { fairnessRoutes } from './modules/rooms/fairness.routes.js';
import { createSaleRooms } from './modules/rooms/sale-rooms.js';
import { returnsRoutes } from './modules/sales/returns.routes.js';
import { createReturnsService } from './modules/sales/returns.service.js';
import { V1_TAG, v1Routes } from './modules/v1/v1.routes.js';
import { createUserDirectory } from './modules/wallet/user-directory.js';
import { walletRoutes } from './modules/wallet/wallet.routes.js';
import { createWalletService } from './modules/wallet/wallet.service.js';
import type { ClusterMetrics } from './ops/cluster-metrics.js';
import { createObservability } from './ops/observability.js';
import { queueSettings } from './shared-state.js';

export interface AppDeps {
  config: Config;
  logger: FastifyBaseLogger;
  clock: Clock;
  /** Owned by the app from here on: closed when the app closes. */
  database: Database;
  /** Owned by the app from here on: closed when the app closes. */
  queueStore: QueueStore;
  seatVersions: SeatVersions;
  /** Shared Redis (owned by the queue store) for rate-limit counters; unset: per-process counters. */
  redis?: Redis | Cluster;
  tokenSecret: string;
  /** Background work (admission tick, hold sweep); tests drive it by hand instead. */
  runBackgroundJobs?: boolean;
  /** In a cluster worker: `/metrics` shows every worker of the host. Unset: this process only. */
  clusterMetrics?: ClusterMetrics;
}

/** Adaptive admission looks at the last 10 s of responses: long enough for a p99, short enough to react. */
const HEALTH_WINDOW_MS = 10_000;

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
    frameworkErrors,
    genReqId: requestIdOf,
    // request.log is made a pino child on the request's first written line, not per request.
    childLoggerFactory: requestLoggerFactory,
    // Behind a load balancer the client (for rate limits and logs) is in X-Forwarded-For.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    requestIdHeader: false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  registerProblemHandling(app);
  registerRequestId(app);
  registerRequestDeadline(app, config.requestDeadlineMs);
  // The operator dashboard's error rate: responses by class over the last minute.
  const responses = createResponseCounter(clock);
  app.addHook('onResponse', responses.onResponse);

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
        {
          name: 'admin',
          description:
            'The operator API (only with ADMIN_TOKEN set; Authorization: Bearer <ADMIN_TOKEN>): venues, concerts, ' +
            'schedules, sale controls, audit log.',
        },
        { name: 'identity', description: 'Who the caller is (AUTH_MODE=jwt)' },
      ],
      components: { securitySchemes: bearerSecuritySchemes },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const signer = createTokenSigner(deps.tokenSecret);
  // Payments keep the revocations of queue tokens; the ticker reads them per tick (wired below).
  let paidQueuePlaces: (since: number) => Promise<PaidPlace[]> = async () => [];
  // Every concert's sale has a waiting room of its own (issue 11): controls, pre-queue, draw.
  const saleRooms = createSaleRooms({
    sql: database.sql,
    defaultRoom: config.queueName,
    idleTimeoutMs: config.queueIdleTimeoutSeconds * 1000,
    log: app.log,
  });
  // Admissions feed the metrics, which are created further down (wired there).
  let onAdmitted: (room: string, result: AdmitResult) => void = () => {};
  let onDecision: (room: string, decision: AdmissionDecision) => void = () => {};
  // Adaptive admission (issue 17): this process's own health over a short window feeds a
  // controller per room; fixed mode admits at the set rates and only reports them.
  const health = new HealthWindow(HEALTH_WINDOW_MS);
  if (config.queueAdmissionMode === 'adaptive') app.addHook('onResponse', healthRecorder(health, clock));
  const admission = createAdmissionPolicy({
    mode: config.queueAdmissionMode,
    defaultPerTick: config.queueAdmitPerTick,
    minPerTick: config.queueAdaptiveMinPerTick,
    controller: {
      ...DEFAULT_CONTROLLER,
      targetP99Ms: config.queueAdaptiveP99Ms,
      maxErrorRate: config.queueAdaptiveMax5xxPercent / 100,
      cooldownMs: HEALTH_WINDOW_MS,
    },
    health: (now) => health.sample(now),
    onDecision: (room, decision) => onDecision(room, decision),
  });
  const queueTicker = createQueueTicker({
    admission,
    hooks: saleRooms,
    store: queueStore,
    settings: queueSettings(config),
    rooms: [config.queueName],
    paidSince: (since) => paidQueuePlaces(since),
    onAdmitted: (room, result) => onAdmitted(room, result),
    log: app.log,
  });
  const queue = createQueueService({
    store: queueStore,
    ticker: queueTicker,
    signer,
    clock,
    userExists: createUserDirectory(database.sql).exists,
    room: config.queueName,
    idleTimeoutSeconds: config.queueIdleTimeoutSeconds,
    rooms: saleRooms,
  });
  app.decorate('queueTick', () => queueTicker.tick(clock.now()));

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
    defaultTicketLimit: config.ticketLimitPerUser,
    holdHint: concerts.holdHint,
    seatMapOutdated: concerts.seatMapOutdated,
    onSeatChanged: concerts.seatsChanged,
    onReserved: saleRooms.rememberReservation,
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
  paidQueuePlaces = payments.paidQueuePlaces;

  const queueStreams = createQueueStreams(queue, clock, 15_000);
  const observability = createObservability({
    room: config.queueName,
    rooms: queueTicker.rooms,
    preQueueSizes: saleRooms.preQueueSizes,
    paused: saleRooms.paused,
    clock,
    queueStore,
    database,
    cacheStats: concerts.cacheStats,
    idempotencyTtlHours: config.idempotencyTtlHours,
    sseConnections: () => queueStreams.stats().streams,
  });
  const { metrics } = observability;
  onAdmitted = observability.observeAdmission;
  onDecision = observability.observeDecision;
  deps.clusterMetrics?.register(metrics.registry);
  registerMetrics(app, {
    metrics,
    scrape: deps.clusterMetrics?.scrape ?? (() => metrics.registry.metrics()),
    slowRequestMs: config.logSlowRequestMs,
  });
  await registerLoadShedding(app, { config, database, queueStore, metrics });
  await registerRateLimits(app, { config, signer, redis: deps.redis });

  queueTicker.onTick(() => {
    queueStreams.fanOut(clock.now());
    app.log.debug(queueStreams.stats(), 'queue streams fanned out');
  });
  // Streams never end on their own: end them before the server waits for open connections.
  app.addHook('preClose', async () => queueStreams.close());
  const identity = createIdentityService({ auth: config.auth, clock, sql: database.sql });
  registerIdentity(app, identity);
  await app.register(identityRoutes, { identity });

  // Optional proof-of-work on joining (issue 17); QUEUE_POW_DIFFICULTY=0 asks none.
  const pow = createPow({
    sql: database.sql,
    clock,
    secret: deps.tokenSecret,
    difficulty: config.queuePowDifficulty,
  });
  await app.register(pow.routes);
  await app.register(queueRoutes, { queue, streams: queueStreams, issueGuard: pow.guard });
  await app.register(fairnessRoutes, { sql: database.sql, clock });
  await app.register(concertsRoutes, { concerts });
  await app.register(reservationsRoutes, { reservations, queue });
  await app.register(walletRoutes, { wallet, queue });
  await app.register(paymentsRoutes, { payments, queue });
  const returns = createReturnsService({
    sql: database.sql,
    clock,
    onSeatChanged: concerts.seatsChanged,
    log: app.log,
  });
  await app.register(returnsRoutes, { returns, queue });
  // The operator API exists only when an operator can prove who they are: ADMIN_TOKEN, or in jwt
  // mode a JWT whose roles include AUTH_ADMIN_ROLE.
  const operatorChecks: OperatorCheck[] = config.adminToken ? [adminTokenCheck(config.adminToken)] : [];
  if (config.auth.mode === 'jwt') operatorChecks.push(jwtOperatorCheck(identity));
  if (operatorChecks.length > 0) {
    await app.register(adminRoutes, {
      checks: operatorChecks,
      sql: database.sql,
      clock,
      defaultTicketLimit: config.ticketLimitPerUser,
      onScheduleChanged: concerts.scheduleChanged,
      log: app.log,
      queueDefaults: {
        admitPerTick: config.queueAdmitPerTick,
        maxActive: config.queueMaxActive,
        tickMs: config.queueTickMs,
      },
    });
    await app.register(dashboardRoutes, {
      checks: operatorChecks,
      sql: database.sql,
      clock,
      queueStore,
      ticker: queueTicker,
      room: config.queueName,
      admitPerTick: config.queueAdmitPerTick,
      maxActive: config.queueMaxActive,
      defaultTicketLimit: config.ticketLimitPerUser,
      roomOf: saleRooms.roomOf,
      responses,
      admission,
    });
  }
  await app.register(v1Routes, { queue, concerts, reservations, wallet, payments, issueGuard: pow.guard });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(opsRoutes, { database, queueStore, metrics });
  await app.register(pagesPlugin, { dir: WEB_DIST, admin: operatorChecks.length > 0 });

  const stops: (() => void)[] = [];
  if (deps.runBackgroundJobs !== false) {
    // A first tick before serving: the per-tick state and the revocations are known from the start.
    app.addHook('onReady', () => queueTicker.tick(clock.now()));
    // Every process runs both; the queue store admits once per tick slot, the sweeper skips locked rows.
    stops.push(
      startIntervalJob('queue tick', config.queueTickMs, app.log, () =>
        observability.timeTick(config.queueName, () => queueTicker.tick(clock.now())),
      ),
    );
    stops.push(
      startIntervalJob('hold sweep', config.holdSweepIntervalMs, app.log, observability.maintenance),
    );
  }
  app.addHook('onClose', async () => {
    for (const stop of stops) stop();
    await Promise.allSettled([queueStore.close(), database.close()]);
  });
  return app;
}
