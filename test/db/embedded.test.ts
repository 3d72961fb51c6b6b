import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../load/lib/server-process.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { packagedNativeDir } from '../../src/db/embedded-layout.js';
import { embeddedOptions, privateDir, processesMentioning, removePrivateDirs } from '../helpers/embedded.js';

const execFileAsync = promisify(execFile);
const asRoot = process.getuid?.() === 0;

afterAll(removePrivateDirs);

async function freshDataDir(): Promise<string> {
  return path.join(await privateDir(), 'data');
}

/** Mode and owner of a directory and of every parent up to /. */
async function modesUpFrom(dir: string): Promise<string[]> {
  const modes: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    const stat = await fs.stat(at);
    modes.push(`${at} ${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`);
    if (at === path.dirname(at)) return modes;
  }
}

describe('embedded PostgreSQL', () => {
  it('runs two instances side by side and keeps data across a restart', async () => {
    const [dirA, dirB] = [await freshDataDir(), await freshDataDir()];
    const [a, b] = await Promise.all([
      startEmbeddedPostgres(dirA, () => {}, embeddedOptions()),
      startEmbeddedPostgres(dirB, () => {}, embeddedOptions()),
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
    await Promise.all([a.stop(), b.stop({ removeData: true })]);

    const again = await startEmbeddedPostgres(dirA, () => {}, embeddedOptions());
    const sql = postgres({ ...again.target, max: 1 });
    expect(await sql`SELECT v FROM marker`).toEqual([{ v: 'kept' }]);
    await sql.end();
    await again.stop({ removeData: true });
    expect(await processesMentioning(again.clusterDir)).toEqual([]);
  });

  it('starts from a private clone whose path has a space, changing no directory it did not create', async () => {
    // As `git clone` into `mktemp -d` leaves it: the binaries sit in a mode-700 directory.
    const clone = path.join(await privateDir(), 'my clone');
    const nativeDir = path.join(clone, 'node_modules', 'pg-build');
    await fs.mkdir(path.dirname(nativeDir), { recursive: true });
    await execFileAsync('cp', ['-R', await packagedNativeDir(), nativeDir]);
    // The runtime directory's parent must let postgres through, as /var/tmp (the default's) does.
    const runtimeParent = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-runtime-'));
    await fs.chmod(runtimeParent, 0o755);
    const runtimeDir = path.join(runtimeParent, 'rt');
    const dataDir = path.join(clone, 'data');
    await fs.mkdir(dataDir);
    const before = [...(await modesUpFrom(dataDir)), ...(await modesUpFrom(nativeDir))];
    const lines: string[] = [];
    try {
      const server = await startEmbeddedPostgres(dataDir, (line) => lines.push(line), {
        nativeDir,
        runtimeDir,
      });
      const sql = postgres({ ...server.target, max: 1, onnotice: () => {} });
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      await sql.end();
      await server.stop({ removeData: true });
      expect(await modesUpFrom(dataDir).then(async (a) => [...a, ...(await modesUpFrom(nativeDir))])).toEqual(
        before,
      );
      if (asRoot) {
        // The postgres user reaches a place of its own, and the log says where, once.
        expect(server.clusterDir.startsWith(runtimeDir)).toBe(true);
        expect(lines.filter((line) => line.includes('cluster lives in'))).toHaveLength(1);
        expect(lines.some((line) => line.includes('copied the PostgreSQL binaries'))).toBe(true);
      } else {
        expect(server.clusterDir).toBe(path.join(dataDir, 'pg'));
      }
    } finally {
      await fs.rm(runtimeParent, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a second start on the same DATA_DIR at once, naming the PID that holds it', async () => {
    const dataDir = await freshDataDir();
    const first = await startEmbeddedPostgres(dataDir, () => {}, embeddedOptions());
    const started = Date.now();
    await expect(startEmbeddedPostgres(dataDir, () => {}, embeddedOptions())).rejects.toThrow(
      new RegExp(`in use by stagedoor PID ${process.pid}\\b`),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await first.stop({ removeData: true });
  });

  it('names DATA_DIR and the fix when DATA_DIR cannot be created', async () => {
    const file = path.join(await privateDir(), 'not-a-directory');
    await fs.writeFile(file, '');
    await expect(startEmbeddedPostgres(path.join(file, 'data'), () => {})).rejects.toThrow(
      /DATA_DIR .*not-a-directory\/data cannot be created or written .*set DATA_DIR/,
    );
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
    // The memory queue is gone, but the token still verifies (the secret was kept) and it
    // carries the place, so the waiter keeps it across the restart (issue 10).
    expect(check.status).toBe(200);
    expect(((await check.json()) as { userId: number }).userId).toBe(3);
    expect(await second.stop('SIGINT')).toBe(0);
  }, 60_000);
});
