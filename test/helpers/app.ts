import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { QueueStore } from '../../src/modules/queue/queue-store.js';
import { queueSettings } from '../../src/shared-state.js';
import { ManualClock } from './clock.js';
import { createTestDatabase, createTestSharedState, type StoreKind, testRoom } from './stores.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  clock: ManualClock;
  config: Config;
  database: Database;
  store: QueueStore;
  /** One admission tick at the clock's current time, then the clock moves past the slot. */
  tick(): Promise<void>;
  /** Issues tokens for the users and admits them all; returns their tokens by user id. */
  activate(...userIds: number[]): Promise<Map<number, string>>;
  /** The same in a concert's own room (an operator's sale admits only its own room's tokens). */
  activateIn(concertId: number, ...userIds: number[]): Promise<Map<number, string>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  store?: StoreKind;
  /** Share a database between apps (as processes would); each app's close ends it, harmlessly twice. */
  database?: Database;
  /** Share Redis state between apps by giving them one queue name. */
  queueName?: string;
  /** Where the manual clock starts (a later "process" after a restart starts later). */
  startAt?: number;
  /** The app's logger; silent by default. */
  logger?: FastifyBaseLogger;
  /** Run the admission tick and hold sweep on timers (at the manual clock's time); off by default. */
  backgroundJobs?: boolean;
}

/** A real app on a database of its own, with a manual clock and no background timers. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // A room of its own: apps on one Redis share a queue only when a test says so.
  const queueName = options.queueName ?? testRoom();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    QUEUE_ADMIT_PER_TICK: '1000',
    QUEUE_MAX_ACTIVE: '100000',
    QUEUE_NAME: queueName,
    // No background store pings (they would add SQL statements to tests that count them) and no
    // shedding on event-loop lag (a busy shared machine lags): the shedding tests turn them on.
    SHED_HEALTH_CHECK_INTERVAL_MS: '0',
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    // The suites fire hundreds of requests from one address; the rate-limit tests turn limits on.
    RATE_LIMIT_ISSUE_PER_MINUTE: '0',
    RATE_LIMIT_WRITE_PER_MINUTE: '0',
    // Hundreds of concurrent requests on a shared 2-core machine can take seconds; the deadline
    // has its own test (test/http/deadlines.test.ts).
    REQUEST_DEADLINE_MS: '30000',
    ...options.env,
  });
  const clock = new ManualClock(options.startAt);
  const database = options.database ?? (await createTestDatabase());
  const {
    queueStore: store,
    seatVersions,
    redis,
  } = createTestSharedState(options.store ?? 'memory', queueSettings(config), queueName);
  const app = await buildApp({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    clock,
    database,
    queueStore: store,
    seatVersions,
    redis,
    tokenSecret: TEST_SECRET,
    runBackgroundJobs: options.backgroundJobs ?? false,
  });
  await app.ready();
  const tick = async () => {
    await app.queueTick();
    clock.advance(config.queueTickMs);
  };
  return {
    app,
    clock,
    config,
    database,
    store,
    tick,
    async activate(...userIds) {
      const tokens = new Map<number, string>();
      for (const userId of userIds) {
        const response = await app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId } });
        tokens.set(userId, response.json<{ token: string }>().token);
      }
      await tick();
      return tokens;
    },
    async activateIn(concertId, ...userIds) {
      const tokens = new Map<number, string>();
      for (const userId of userIds) {
        const payload = { userId, concertId };
        const response = await app.inject({ method: 'POST', url: '/waiting/issue', payload });
        if (response.statusCode !== 201 && response.statusCode !== 200) throw new Error(response.body);
        tokens.set(userId, response.json<{ token: string }>().token);
      }
      // A sale whose opening has passed draws its (maybe empty) pre-queue on the first tick
      // and admits from the next one.
      for (let ticks = 0; ticks < 5; ticks++) {
        await tick();
        let waiting = 0;
        for (const [userId, token] of tokens) {
          const headers = { 'x-queue-token': token };
          const checked = await app.inject({ method: 'GET', url: '/waiting/check', headers });
          const status = checked.json<{ status: string; token?: string }>();
          if (status.token) tokens.set(userId, status.token);
          if (status.status !== 'ACTIVE') waiting += 1;
        }
        if (waiting === 0) return tokens;
      }
      throw new Error(`users ${userIds.join(', ')} were not admitted to concert ${concertId}'s room`);
    },
    close: () => app.close(),
  };
}
