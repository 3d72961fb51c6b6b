import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../load/lib/server-process.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const dirs: string[] = [];
async function freshDataDir(): Promise<string> {
  // As a container's root would make it: owned by root, mode 700.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-embedded-'));
  await fs.chmod(dir, 0o700);
  dirs.push(dir);
  return path.join(dir, 'data');
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('embedded PostgreSQL', () => {
  it('runs two instances side by side and keeps data across a restart', async () => {
    const [dirA, dirB] = [await freshDataDir(), await freshDataDir()];
    const [a, b] = await Promise.all([
      startEmbeddedPostgres(dirA, () => {}),
      startEmbeddedPostgres(dirB, () => {}),
    ]);
    const sqlA = postgres({ ...a.target, max: 1, onnotice: () => {} });
    const sqlB = postgres({ ...b.target, max: 1, onnotice: () => {} });
    await sqlA`CREATE TABLE marker (v text)`;
    await sqlA`INSERT INTO marker VALUES ('kept')`;
    const [{ exists }] = (await sqlB`SELECT to_regclass('marker') IS NOT NULL AS exists`) as unknown as [
      { exists: boolean },
    ];
    expect(exists).toBe(false); // separate clusters
    await Promise.all([sqlA.end(), sqlB.end()]);
    await Promise.all([a.stop(), b.stop()]);

    const again = await startEmbeddedPostgres(dirA, () => {});
    const sql = postgres({ ...again.target, max: 1 });
    expect(await sql`SELECT v FROM marker`).toEqual([{ v: 'kept' }]);
    await sql.end();
    await again.stop();
  });

  it('serves `npm start` with no database server, shuts down gracefully and keeps its token secret', async () => {
    const dataDir = await freshDataDir();
    const env = { DATA_DIR: dataDir, SEED_USERS: '20', LOG_LEVEL: 'info' };
    const first = await startServerProcess(env);
    const issued = await fetch(`${first.url}/waiting/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 3 }),
    });
    expect(issued.status).toBe(200);
    const { token } = (await issued.json()) as { token: string };
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startServerProcess(env);
    const check = await fetch(`${second.url}/waiting/check`, { headers: { 'x-queue-token': token } });
    // The memory queue is gone, but the token still verifies: expired, not forged.
    expect(check.status).toBe(401);
    expect(((await check.json()) as { code: string }).code).toBe('QUEUE_TOKEN_EXPIRED');
    expect(await second.stop('SIGINT')).toBe(0);
  }, 60_000);
});
