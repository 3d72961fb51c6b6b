import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { QueueStore } from '../../src/modules/queue/queue-store.js';
import { queueSettings } from '../../src/shared-state.js';
import { ManualClock } from './clock.js';
import { createTestDatabase, createTestSharedState, type StoreKind } from './stores.js';

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
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  store?: StoreKind;
  /** Share a database between apps (as processes would); each app's close ends it, harmlessly twice. */
  database?: Database;
  /** Share Redis state between apps by giving them one queue name. */
  queueName?: string;
}

/** A real app on a database of its own, with a manual clock and no background timers. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    QUEUE_ADMIT_PER_TICK: '1000',
    QUEUE_MAX_ACTIVE: '100000',
    ...options.env,
  });
  const clock = new ManualClock();
  const database = options.database ?? (await createTestDatabase());
  const { queueStore: store, seatVersions } = createTestSharedState(
    options.store ?? 'memory',
    queueSettings(config),
    options.queueName,
  );
  const app = await buildApp({
    config,
    logger: pino({ level: 'silent' }),
    clock,
    database,
    queueStore: store,
    seatVersions,
    tokenSecret: TEST_SECRET,
    runBackgroundJobs: false,
  });
  await app.ready();
  const tick = async () => {
    await store.admit(clock.now());
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
    close: () => app.close(),
  };
}
