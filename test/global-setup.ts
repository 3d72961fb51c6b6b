import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { deleteKeysWithPrefix } from '../load/lib/redis-keys.js';
import { connect } from '../src/db/client.js';
import { type EmbeddedServer, type PgTarget, startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { seed } from '../src/db/seed.js';
import { embeddedOptions } from './helpers/embedded.js';

export const TEST_USERS = 400;

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    /** Server-level connection: a URL (DATABASE_URL) or the embedded server's target. */
    pgServer: string | PgTarget;
    templateDatabase: string;
    redisUrl: string | undefined;
    redisPrefix: string;
    /** REDIS_CLUSTER_NODES: a Redis Cluster for the queue contract suite ("host:port,…"). */
    redisClusterNodes: string | undefined;
  }
}

/**
 * One PostgreSQL per test run (DATABASE_URL's server, else an embedded one in a
 * temp dir), a migrated and seeded template database on it, and a Redis key
 * prefix of the run's own. Each test file clones the template into a database of
 * its own (test/helpers/database.ts); teardown drops them all and the prefix.
 */
export default async function setup(project: TestProject) {
  const runId = randomBytes(4).toString('hex');
  const prefix = `sdt_${runId}_`;
  let embedded: EmbeddedServer | undefined;
  let dataDir: string | undefined;
  let pgServer: string | PgTarget;
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    pgServer = databaseUrl;
  } else {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-test-'));
    embedded = await startEmbeddedPostgres(dataDir, () => {}, embeddedOptions());
    pgServer = embedded.target;
  }
  const admin = openAdmin(pgServer);
  const templateDatabase = `${prefix}template`;
  await admin.unsafe(`CREATE DATABASE ${templateDatabase}`);
  const template = connect(withDatabase(pgServer, templateDatabase), { max: 1 });
  await migrate(template.sql);
  await seed(template.sql, { userCount: TEST_USERS, now: new Date() });
  await template.close();

  const redisUrl = process.env.REDIS_URL;
  const redisPrefix = `sdtest:${runId}:`;
  project.provide('runId', runId);
  project.provide('pgServer', pgServer);
  project.provide('templateDatabase', templateDatabase);
  project.provide('redisUrl', redisUrl);
  project.provide('redisPrefix', redisPrefix);
  // The cluster is a throwaway one (scripts/redis-cluster.sh): its keys go with it.
  project.provide('redisClusterNodes', process.env.REDIS_CLUSTER_NODES);

  return async () => {
    const databases = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`${prefix}%`}`;
    for (const { datname } of databases)
      await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    if (redisUrl) await deleteKeysWithPrefix(redisUrl, redisPrefix);
    await embedded?.stop({ removeData: true });
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(server: string | PgTarget, database: string): string | PgTarget {
  if (typeof server !== 'string') return { ...server, database };
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

export function openAdmin(server: string | PgTarget) {
  const options = { max: 2, onnotice: () => {} };
  return typeof server === 'string' ? postgres(server, options) : postgres({ ...server, ...options });
}
