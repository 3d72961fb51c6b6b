import type { Config } from '../config.js';
import { connect, type Database } from './client.js';
import { startEmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';
import { seed } from './seed.js';

interface Log {
  info(message: string): void;
  debug(message: string): void;
}

/**
 * The app's PostgreSQL: `DATABASE_URL` when set, else an embedded server under
 * `DATA_DIR` that is seeded on its first start. Migrations run either way.
 */
export async function openDatabase(config: Config, log: Log): Promise<Database> {
  if (config.databaseUrl) {
    const database = connect(config.databaseUrl, { max: config.dbPoolSize });
    await migrate(database.sql);
    return database;
  }
  const started = Date.now();
  const server = await startEmbeddedPostgres(config.dataDir, (line) => log.info(line), {
    runtimeDir: config.embeddedPgRuntimeDir,
  });
  log.info(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${config.dataDir})`);
  const database = connect(server.target, { max: config.dbPoolSize, onClose: () => server.stop() });
  try {
    await migrateAndSeedIfEmpty(database, config, log);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** The embedded database's first start: migrations, then the demo data when there is no catalog yet. */
export async function migrateAndSeedIfEmpty(database: Database, config: Config, log: Log): Promise<void> {
  await migrate(database.sql);
  const [row] = await database.sql<{ empty: boolean }[]>`SELECT NOT EXISTS (SELECT 1 FROM concerts) AS empty`;
  if (row!.empty) {
    await seed(database.sql, {
      userCount: config.seedUsers,
      now: new Date(),
      concertCount: config.seedConcerts,
    });
    log.info(`seeded ${config.seedUsers} users and the demo catalog`);
  }
}
