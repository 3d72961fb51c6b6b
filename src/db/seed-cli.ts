import pino from 'pino';
import { loadConfig } from '../config.js';
import { openDatabase } from './database.js';
import { seed } from './seed.js';

/** `npm run seed`: migrates and seeds the configured database (DATABASE_URL, else the embedded one). */
const config = loadConfig();
const log = pino({ level: config.logLevel });
const database = await openDatabase(config, log);
try {
  await seed(database.sql, {
    userCount: config.seedUsers,
    now: new Date(),
    concertCount: config.seedConcerts,
  });
  log.info(`seeded users 1..${config.seedUsers} (existing rows kept) and the catalog if it was empty`);
} finally {
  await database.close();
}
