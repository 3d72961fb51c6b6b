/**
 * npm run bench:queue [-- --users 100000 --connections 100 --redis redis://127.0.0.1:6379]
 *
 * 1. HTTP: a bare Fastify JSON route, then for each queue store (memory; Redis when
 *    --redis or REDIS_URL is given) N users issue a token and then poll /waiting/check
 *    once each. Server pinned to CPU 0, this load generator to CPU 1 (when there are two).
 * 2. Store only: the cost of issue and check with 1,000, 10,000 and 100,000 waiters,
 *    to show that it grows as O(log n), not with the queue's length.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { fire, fmt, type LoadResult } from '../load/lib/cannon.js';
import { deleteKeysWithPrefix } from '../load/lib/redis-keys.js';
import { startServerProcess } from '../load/lib/server-process.js';
import { MemoryQueueStore } from '../src/modules/queue/memory-queue-store.js';
import type { QueueSettings, QueueStore } from '../src/modules/queue/queue-store.js';
import { RedisQueueStore } from '../src/modules/queue/redis-queue-store.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '100' },
    redis: { type: 'string', default: process.env.REDIS_URL },
  },
});
const users = Number(args.users);
const connections = Number(args.connections);
const redisUrl = args.redis;
const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const serverCpus = twoCores ? '0' : undefined;

const rows: { label: string; result: LoadResult }[] = [];

async function bare(): Promise<LoadResult> {
  const server = await startServerProcess({}, { entry: 'load/lib/bare-server.ts', cpus: serverCpus });
  try {
    await fire('warm-up', { url: `${server.url}/bare`, connections, duration: 2 });
    return await fire('bare Fastify JSON route', { url: `${server.url}/bare`, connections, amount: users });
  } finally {
    await server.stop();
  }
}

function issueRequest(
  nextUserId: () => number,
  onResponse?: autocannon.Request['onResponse'],
): autocannon.Request {
  return {
    method: 'POST',
    path: '/waiting/issue',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ userId: nextUserId() }) }),
    onResponse,
  };
}

async function queueRoutes(adapter: 'memory' | 'redis', dataDir: string, prefix: string) {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    SEED_USERS: String(users),
    LOG_LEVEL: 'warn',
    QUEUE_ADMIT_PER_TICK: '100',
    QUEUE_IDLE_TIMEOUT_SECONDS: '3600',
  };
  if (adapter === 'redis') Object.assign(env, { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix });
  const server = await startServerProcess(env, { cpus: serverCpus });
  try {
    // Warm-up (JIT, connections): the last 1% of users issue; in the run they are returning users.
    let warmUser = 0;
    await fire('warm-up', {
      url: server.url,
      connections,
      duration: 2,
      requests: [issueRequest(() => users - (warmUser++ % Math.ceil(users / 100)))],
    });
    let nextUser = 0;
    const tokens: string[] = [];
    const issue = await fire(`issue (${adapter})`, {
      url: server.url,
      connections,
      amount: users,
      requests: [
        issueRequest(
          () => (nextUser++ % users) + 1,
          (status, body) => {
            if (status === 200) tokens.push((JSON.parse(body) as { token: string }).token);
          },
        ),
      ],
    });
    let nextToken = 0;
    const check = await fire(`check (${adapter})`, {
      url: server.url,
      connections,
      amount: users,
      requests: [
        {
          method: 'GET',
          path: '/waiting/check',
          setupRequest: (request) => ({
            ...request,
            headers: { 'x-queue-token': tokens[nextToken++ % tokens.length]! },
          }),
        },
      ],
    });
    return { issue, check };
  } finally {
    await server.stop();
  }
}

/** Average µs per call at a given queue length, calls issued 100 at a time. */
async function storeCost(open: () => QueueStore, waiting: number) {
  const store = open();
  const now = Date.now();
  for (let start = 1; start <= waiting; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, waiting - start + 1) }, (_, i) => start + i);
    await Promise.all(batch.map((u) => store.issue(u, `t${u}`, now)));
  }
  const probes = 10_000;
  const time = async (op: (u: number) => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < probes; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => op((((i + j) * 7919) % waiting) + 1)));
    }
    return Number(process.hrtime.bigint() - started) / 1000 / probes;
  };
  const check = await time((u) => store.check(u, `t${u}`, now));
  const issue = await time((u) => store.issue(u, `t${u}`, now));
  await store.close();
  return { check, issue };
}

const settings: QueueSettings = {
  admitPerTick: 100,
  maxActive: 1000,
  tickMs: 1000,
  idleTimeoutMs: 3_600_000,
  activeTtlMs: 600_000,
  rateWindowMs: 60_000,
};

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-bench-'));
const prefix = `sdbench:${randomBytes(3).toString('hex')}:`;
try {
  console.log(
    `queue benchmark: ${fmt(users)} users, ${connections} connections, server on CPU ${serverCpus ?? 'any'}`,
  );
  rows.push({ label: 'bare Fastify JSON route', result: await bare() });
  const adapters: ('memory' | 'redis')[] = redisUrl ? ['memory', 'redis'] : ['memory'];
  for (const adapter of adapters) {
    const { issue, check } = await queueRoutes(adapter, dataDir, prefix);
    rows.push({ label: `POST /waiting/issue (${adapter})`, result: issue });
    rows.push({ label: `GET /waiting/check (${adapter})`, result: check });
  }
  const bareRate = rows[0]!.result.reqPerSec;
  console.log('\n| route | requests | req/s | p50 ms | p99 ms | errors+non-2xx | ratio to bare |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { label, result } of rows) {
    console.log(
      `| ${label} | ${fmt(result.requests)} | ${fmt(result.reqPerSec)} | ${result.latency.p50} | ${result.latency.p99} | ` +
        `${result.errors + result.non2xx} | ${fmt((result.reqPerSec / bareRate) * 100)}% |`,
    );
  }
  console.log('\nstore cost per call (µs, 100 in flight), by queue length:');
  console.log('| store | op | 1,000 waiting | 10,000 waiting | 100,000 waiting |');
  console.log('|---|---|---:|---:|---:|');
  const stores: [string, () => QueueStore][] = [['memory', () => new MemoryQueueStore(settings)]];
  if (redisUrl) {
    stores.push([
      'redis',
      () =>
        new RedisQueueStore(
          new Redis(redisUrl, { keyPrefix: prefix, enableAutoPipelining: true }),
          `cost${randomBytes(3).toString('hex')}`,
          settings,
        ),
    ]);
  }
  for (const [name, open] of stores) {
    const costs = [
      await storeCost(open, 1000),
      await storeCost(open, 10_000),
      await storeCost(open, 100_000),
    ];
    console.log(`| ${name} | check | ${costs.map((c) => fmt(c.check, 2)).join(' | ')} |`);
    console.log(`| ${name} | issue (returning user) | ${costs.map((c) => fmt(c.issue, 2)).join(' | ')} |`);
  }
} finally {
  await fs.rm(dataDir, { recursive: true, force: true });
  if (redisUrl) await deleteKeysWithPrefix(redisUrl, prefix);
}
