import cluster from 'node:cluster';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { readOrCreateSecret } from './db/embedded.js';
import { runPrimary } from './ops/cluster.js';
import { workerClusterMetrics } from './ops/cluster-metrics.js';
import { openSharedState } from './shared-state.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`stagedoor: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel });
  // WORKERS > 1: this process is the cluster primary; the workers run the rest of main().
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  // A worker answers the primary's metric requests from the start, so a worker still starting
  // does not hold up a scrape of the others.
  const clusterMetrics = cluster.isWorker ? workerClusterMetrics() : undefined;
  const database = await openDatabase(config, logger);
  const { queueStore, seatVersions, redis } = await openSharedState(config, logger);
  // Without QUEUE_TOKEN_SECRET, a secret generated once is kept in DATA_DIR so tokens survive restarts.
  const tokenSecret =
    config.queueTokenSecret ?? (await readOrCreateSecret(path.join(config.dataDir, 'queue-token-secret')));
  const app = await buildApp({
    config,
    logger,
    clock: systemClock,
    database,
    queueStore,
    seatVersions,
    redis,
    tokenSecret,
    clusterMetrics,
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal}: finishing in-flight requests, then closing`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close(); // stops accepting, waits for in-flight requests, runs onClose (timers, pools, PostgreSQL)
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `stagedoor: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
