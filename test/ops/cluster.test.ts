import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { removeDataDir } from '../../load/lib/embedded-db.js';
import { type ServerProcess, startServerProcess } from '../../load/lib/server-process.js';
import { parseMetrics, valueIn } from '../helpers/metrics.js';

const execFileAsync = promisify(execFile);

/** The node workers the primary forked (its other child is the embedded PostgreSQL). */
async function workerPids(primary: number): Promise<number[]> {
  const { stdout } = await execFileAsync('ps', ['-o', 'pid=,comm=', '--ppid', String(primary)]).catch(() => ({
    stdout: '',
  }));
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'node')
    .map(([pid]) => Number(pid));
}

/** One request on a fresh connection, so that the primary hands it to the next worker. */
function freshGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('WORKERS without REDIS_URL', () => {
  it('refuses to start, naming REDIS_URL and WORKERS, with a non-zero exit code', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', WORKERS: '2', PORT: '0', DATA_DIR: os.tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toMatch(/WORKERS/);
    expect(output).toMatch(/REDIS_URL/);
  });
});

// A real two-worker server: the primary owns the embedded PostgreSQL, the workers share Redis.
describe.skipIf(!inject('redisUrl'))('two workers on Redis', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-cluster-'));
    server = await startServerProcess({
      WORKERS: '2',
      REDIS_URL: inject('redisUrl')!,
      // Under the run's prefix (removed at the end), but rate-limit counters of its own.
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}cluster:`,
      QUEUE_NAME: `cl${randomBytes(3).toString('hex')}`,
      QUEUE_TICK_MS: '100',
      DATA_DIR: dataDir,
      SEED_USERS: '50',
    });
  }, 120_000);

  afterAll(async () => {
    const primary = server?.child.pid;
    if (server) expect(await server.stop()).toBe(0); // graceful: workers, then the database
    if (primary) expect(await workerPids(primary)).toEqual([]);
    await removeDataDir(dataDir);
  }, 60_000);

  async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A fan's whole way through the API: queue, balance, seats, hold, charge, payment. */
  async function smoke(userId: number, seatNumber: number) {
    const issued = await api('POST', '/waiting/issue', { userId });
    expect(issued.status).toBe(200);
    const headers = { 'x-queue-token': issued.body.token as string };
    for (let i = 0; ; i++) {
      const check = await api('GET', '/waiting/check', undefined, headers);
      if (check.body.active) break;
      expect(i).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await api('GET', `/users/${userId}/amount`, undefined, headers)).body.amount).toBe(50_000);
    expect((await api('GET', '/concerts/1/schedules/1/seats')).status).toBe(200);
    const hold = await api(
      'POST',
      '/reservations',
      { userId, concertId: 1, scheduleId: 1, seatNumber },
      { ...headers, 'idempotency-key': `hold-${userId}` },
    );
    expect(hold.status).toBe(201);
    const charged = await api(
      'PATCH',
      `/users/${userId}/charge`,
      { amount: 50_000 },
      {
        ...headers,
        'idempotency-key': `charge-${userId}`,
      },
    );
    expect(charged.body.amount).toBe(100_000);
    const paid = await api(
      'POST',
      '/payments',
      { reservationId: hold.body.reservationId, amount: hold.body.price },
      { ...headers, 'idempotency-key': `pay-${userId}` },
    );
    expect(paid.status).toBe(201);
    expect(paid.body.status).toBe('CONFIRMED');
  }

  it('serves the API from both workers and shows the whole host in one scrape', async () => {
    expect(await workerPids(server.child.pid!)).toHaveLength(2);
    await smoke(1, 1);
    const before = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
    const statuses = await Promise.all(Array.from({ length: 40 }, () => freshGet(`${server.url}/health`)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    // Whichever worker answers the scrape, it counts the requests of both.
    for (let i = 0; i < 4; i++) {
      const after = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
      const health = { route: '/health', status_class: '2xx' };
      expect(
        valueIn(after, 'stagedoor_http_requests_total', health) -
          valueIn(before, 'stagedoor_http_requests_total', health),
      ).toBe(40);
      expect(valueIn(after, 'stagedoor_payments_total', { result: 'confirmed' })).toBe(1);
    }
  });

  it('survives a worker killed with kill -9: the other serves, the primary forks a new one', async () => {
    const primary = server.child.pid!;
    const [victim, survivor] = await workerPids(primary);
    process.kill(victim!, 'SIGKILL');
    const died = new RegExp(`worker ${victim} died \\(SIGKILL\\)`);
    for (let i = 0; i < 100 && !died.test(server.output()); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    // Once the primary has seen it die, every new connection goes to the survivor, while the
    // replacement is still starting.
    const statuses = await Promise.all(Array.from({ length: 20 }, () => freshGet(`${server.url}/health`)));
    expect(statuses).toEqual(Array(20).fill(200));
    let pids: number[] = [];
    for (let i = 0; i < 100; i++) {
      pids = await workerPids(primary);
      if (pids.length === 2 && !pids.includes(victim!)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(pids).toContain(survivor);
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(victim);
    await smoke(2, 2);
  }, 60_000);
});
