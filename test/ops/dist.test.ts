import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir } from '../../load/lib/embedded-db.js';
import { type ServerProcess, startServerProcess } from '../../load/lib/server-process.js';

const execFileAsync = promisify(execFile);

// What production runs: `npm run build`, then `node dist/server.js` with no TypeScript loader.
describe('the built dist/', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    await execFileAsync('npm', ['run', 'build'], { timeout: 180_000 });
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-dist-'));
    server = await startServerProcess({ DATA_DIR: dataDir, SEED_USERS: '20' }, { entry: 'dist/server.js' });
  }, 240_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await removeDataDir(dataDir);
  }, 30_000);

  it('holds the compiled server and the SQL migrations', async () => {
    const migrations = await fs.readdir('dist/db/migrations');
    const sources = (await fs.readdir('src/db/migrations')).filter((name) => name.endsWith('.sql'));
    expect(migrations).toEqual(expect.arrayContaining(sources));
    expect(sources.length).toBeGreaterThan(0);
    await fs.access('dist/server.js');
    expect(server.child.spawnargs.join(' ')).not.toMatch(/tsx/);
  });

  it('starts (embedded PostgreSQL, migrated, seeded) and serves the API and /metrics', async () => {
    const issued = await fetch(`${server.url}/waiting/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 3 }),
    });
    expect(issued.status).toBe(200);
    expect(((await issued.json()) as { position: number }).position).toBe(1);
    expect((await fetch(`${server.url}/concerts`)).status).toBe(200);
    // Request ids over real HTTP: kept, returned, and in the problem body.
    const missing = await fetch(`${server.url}/no/such/route`, { headers: { 'x-request-id': 'lb-1234.a' } });
    expect(missing.headers.get('x-request-id')).toBe('lb-1234.a');
    expect(await missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', requestId: 'lb-1234.a' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^stagedoor_http_requests_total\{route="\/waiting\/issue",method="POST",status_class="2xx"\} 1$/m,
    );
  });
});
