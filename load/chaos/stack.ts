import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { freePort } from '../lib/server-process.js';
import { type AppSlot, type Supervisor, startApp, stopApp } from './apps.js';
import type { ChaosOptions } from './args.js';
import type { Cleanup } from './cleanup.js';
import { createPgCluster, type PgCluster } from './postgres-cluster.js';
import { type RedisServer, startRedis } from './redis-server.js';

export interface Stack {
  pg: PgCluster;
  redis: RedisServer;
  apps: AppSlot[];
  supervisor: Supervisor;
}

/** Seats for every fan and some to spare: the demo catalog has 500, each generated concert 150. */
const concertsFor = (fans: number) => 3 + Math.max(0, Math.ceil((fans * 1.2 - 500) / 150));

/** A PostgreSQL, a Redis and N stagedoor processes of the run's own, each registered for cleanup. */
export async function startStack(options: ChaosOptions, cleanup: Cleanup, now: () => number): Promise<Stack> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-chaos-'));
  await fs.chmod(dir, 0o755); // the postgres user must reach its data directory inside
  cleanup.add('temp directory', () => fs.rm(dir, { recursive: true, force: true }));
  const pg = await createPgCluster(path.join(dir, 'postgres'), await freePort());
  cleanup.add('PostgreSQL', () => pg.destroy());
  const redis = await startRedis(await freePort(), dir);
  cleanup.add('redis-server', () => redis.stop());

  const db = connect(pg.url, { max: 1 });
  try {
    await migrate(db.sql);
    await seed(db.sql, {
      userCount: options.fans + 10,
      now: new Date(),
      concertCount: concertsFor(options.fans),
    });
  } finally {
    await db.close();
  }

  const appEnv = {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    QUEUE_TOKEN_SECRET: randomBytes(24).toString('hex'),
    REDIS_KEY_PREFIX: 'chaos:',
    DATA_DIR: path.join(dir, 'app'),
    // A real queue forms: admission is slower than arrival, and the active set is bounded.
    QUEUE_TICK_MS: '500',
    QUEUE_ADMIT_PER_TICK: '8',
    QUEUE_MAX_ACTIVE: '60',
    // "No admitted user lost" judges admissions against their fixed expiry; slots freed for
    // idleness have their own tests (test/modules/queue/active-idle.test.ts).
    QUEUE_ACTIVE_IDLE_SECONDS: '0',
    HOLD_SWEEP_INTERVAL_MS: '2000',
    DB_POOL_SIZE: '8',
    // Below the fans' 5 s timeout, as a deployment sets it below its clients' (README).
    REQUEST_DEADLINE_MS: '4000',
    LOG_LEVEL: 'warn',
    ...(process.env.CHAOS_NODE_OPTIONS ? { NODE_OPTIONS: process.env.CHAOS_NODE_OPTIONS } : {}),
  };
  const apps: AppSlot[] = [];
  for (let i = 1; i <= options.apps; i++) {
    const port = await freePort();
    const slot: AppSlot = {
      name: `app${i}`,
      port,
      url: `http://127.0.0.1:${port}`,
      process: undefined,
      pastOutput: '',
    };
    apps.push(slot);
    cleanup.add(slot.name, () => stopApp(slot));
  }
  const supervisor: Supervisor = { env: appEnv, now, crashes: [] };
  await Promise.all(apps.map((slot) => startApp(slot, supervisor)));
  return { pg, redis, apps, supervisor };
}
