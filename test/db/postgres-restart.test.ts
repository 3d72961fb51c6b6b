import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, type PgCluster } from '../../load/chaos/postgres-cluster.js';
import { freePort } from '../../load/lib/server-process.js';
import { connect, type Database } from '../../src/db/client.js';

const BINARIES = fs.existsSync('/usr/lib/postgresql/15/bin/pg_ctl');

/**
 * Regression test for two crashes `npm run chaos` found: PostgreSQL stopping under
 * transactions made postgres.js 3.4.9 throw an uncaught TypeError from a timer
 * (`socket.write` on a null socket), or reject the array-type fetch of a fresh
 * connection with nobody listening (an unhandled rejection); either ended the whole
 * app process. Patched by scripts/patch-postgres-js.mjs at install; this proves the
 * process survives and the pool works again once PostgreSQL is back.
 */
describe.skipIf(!BINARIES)('a PostgreSQL restart under transactions', () => {
  let dir: string;
  let pg: PgCluster;
  let db: Database;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'sd-pg-restart-'));
    await fsp.chmod(dir, 0o755);
    pg = await createPgCluster(path.join(dir, 'pg'), await freePort());
    db = connect(pg.url, { max: 6 });
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  }, 120_000);
  afterAll(async () => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    await db?.close();
    await pg?.destroy();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  // The shape of runIdempotent: an advisory lock and a lookup pipelined in one transaction.
  const transaction = () =>
    db.sql.begin(async (tx) => {
      await Promise.all([tx`SELECT pg_try_advisory_xact_lock(1)`, tx`SELECT 1`]);
      await tx`SELECT 2`;
    });

  it('never throws out of the driver, and transactions succeed again after the restart', {
    timeout: 120_000,
  }, async () => {
    let running = true;
    const loops = Array.from({ length: 12 }, async () => {
      while (running) await transaction().catch(() => new Promise((resolve) => setTimeout(resolve, 20)));
    });
    for (const mode of ['fast', 'immediate'] as const) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await pg.stop(mode);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await pg.start();
    }
    running = false;
    await Promise.all(loops);
    const deadline = Date.now() + 15_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline)
      recovered = await transaction().then(
        () => true,
        () => false,
      );
    expect(uncaught).toEqual([]);
    expect(recovered).toBe(true);
  });
});
