import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connect } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new database on that server (named after `purpose`), migrated and seeded; `drop` removes it. */
export async function createFreshDatabase(
  serverUrl: string,
  purpose: string,
  { users, concerts }: { users: number; concerts: number },
): Promise<FreshDatabase> {
  const name = `${purpose}_${Date.now()}_${randomBytes(2).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = connect(url.toString(), { max: 2 });
  try {
    await migrate(database.sql);
    await seed(database.sql, { userCount: users, now: new Date(), concertCount: concerts });
  } finally {
    await database.close();
  }
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
