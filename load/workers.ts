/**
 * WORKERS=1 against WORKERS=2 in one run, on this machine: the same server (embedded
 * PostgreSQL, queue in Redis), the same load. The load generator runs on CPU 1; the server
 * (primary, workers and its PostgreSQL) on CPU 0 with one worker, on CPUs 0-1 with two, and,
 * as a control, two workers squeezed onto CPU 0. Prints one line per run and the ratios.
 *
 *   npm run loadtest:workers -- [--seconds 10] [--connections 50] [--redis redis://127.0.0.1:6379]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fire, fmt, type LoadResult } from './lib/cannon.js';
import { removeDataDir } from './lib/embedded-db.js';
import { deleteKeysWithPrefix } from './lib/redis-keys.js';
import { startServerProcess } from './lib/server-process.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    only: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
if (os.availableParallelism() >= 2)
  execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

interface Run {
  name: string;
  workers: number;
  cpus: string;
}
const ALL_RUNS: Run[] = [
  { name: 'WORKERS=1, server on CPU 0', workers: 1, cpus: '0' },
  { name: 'WORKERS=2, server on CPUs 0-1', workers: 2, cpus: '0,1' },
  { name: 'WORKERS=2, server on CPU 0 (control)', workers: 2, cpus: '0' },
];
// --only N runs one of them (0, 1, 2), for a quick look.
const RUNS = args.only === undefined ? ALL_RUNS : [ALL_RUNS[Number(args.only)]!];

// A read served from the seat-map cache (Node-bound) and a queue check (one Redis round trip).
const ROUTES = ['/concerts/1/schedules/1/seats', '/waiting/check'];

async function measure(run: Run): Promise<LoadResult[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-workers-'));
  const prefix = `sdworkers:${randomBytes(3).toString('hex')}:`;
  const server = await startServerProcess(
    {
      WORKERS: String(run.workers),
      REDIS_URL: args.redis,
      REDIS_KEY_PREFIX: prefix,
      DATA_DIR: dataDir,
      SEED_USERS: '1000',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ISSUE_PER_MINUTE: '0',
      RATE_LIMIT_WRITE_PER_MINUTE: '0',
    },
    { cpus: run.cpus },
  );
  try {
    const issued = await fetch(`${server.url}/waiting/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 1 }),
    });
    const { token } = (await issued.json()) as { token: string };
    const results: LoadResult[] = [];
    for (const route of ROUTES) {
      // A short warm-up, so every worker has its caches and JIT before the measured run.
      await fire('warm-up', {
        url: `${server.url}${route}`,
        connections,
        duration: 2,
        headers: { 'x-queue-token': token },
      });
      results.push(
        await fire(`${run.name} ${route}`, {
          url: `${server.url}${route}`,
          connections,
          duration: seconds,
          headers: { 'x-queue-token': token },
        }),
      );
    }
    return results;
  } finally {
    await server.stop();
    await deleteKeysWithPrefix(args.redis, prefix);
    await removeDataDir(dataDir);
  }
}

const all: LoadResult[][] = [];
for (const run of RUNS) {
  const results = await measure(run);
  all.push(results);
  for (const r of results) {
    process.stdout.write(
      `${r.title}: ${fmt(r.reqPerSec)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)}, errors ${r.errors}\n`,
    );
  }
}
for (const [i, route] of RUNS.length === ALL_RUNS.length ? ROUTES.entries() : []) {
  const one = all[0]![i]!.reqPerSec;
  process.stdout.write(
    `${route}: WORKERS=2 on 2 CPUs / WORKERS=1 = ${fmt(all[1]![i]!.reqPerSec / one, 2)}×; ` +
      `WORKERS=2 on 1 CPU / WORKERS=1 = ${fmt(all[2]![i]!.reqPerSec / one, 2)}×\n`,
  );
}
