/**
 * npm run bench:queue [-- --users 100000 --connections 100 --redis redis://127.0.0.1:6379]
 *
 * 1. HTTP: a bare Fastify JSON route, then for each queue store (memory; Redis: the one
 *    --redis or REDIS_URL names, else a redis-server of the bench's own on a free port)
 *    N users issue a token and then poll /waiting/check once each. Server pinned to CPU
 *    0, this load generator to CPU 1 (when there are two). For Redis, the store commands
 *    per request come from INFO commandstats (scripts called: one round trip each;
 *    the commands inside a script are not round trips), read before and after each run
 *    (on a shared Redis, others' traffic counts too: use the bench's own).
 * 2. Store only: a returning user's issue and a tick with 1,000, 10,000 and 100,000
 *    waiters, to show how they grow with the queue's length.
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
import { haveOwnServers, startOwnRedis } from '../test/helpers/own-servers.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '100' },
    redis: { type: 'string', default: process.env.REDIS_URL },
  },
});
const users = Number(args.users);
const connections = Number(args.connections);
const ownRedis = !args.redis && (await haveOwnServers()) ? await startOwnRedis() : undefined;
const redisUrl = args.redis ?? ownRedis?.url;

/** Scripts and plain commands the clients sent, from INFO commandstats (not counting commands inside scripts). */
async function storeCommands(): Promise<number> {
  if (!redisUrl) return 0;
  const redis = new Redis(redisUrl);
  try {
    const info = await redis.info('commandstats');
    let total = 0;
    for (const [, name, calls] of info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
      if (/^(evalsha|eval|evalsha_ro|eval_ro|fcall)$/.test(name!)) total += Number(calls);
    }
    return total;
  } finally {
    redis.disconnect();
  }
}
const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const serverCpus = twoCores ? '0' : undefined;

const rows: { label: string; result: LoadResult; commands?: number }[] = [];

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
    const beforeIssue = await storeCommands();
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
    const afterIssue = await storeCommands();
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
    const afterCheck = await storeCommands();
    return {
      issue,
      check,
      issueCommands: adapter === 'redis' ? (afterIssue - beforeIssue) / issue.requests : undefined,
      checkCommands: adapter === 'redis' ? (afterCheck - afterIssue) / check.requests : undefined,
    };
  } finally {
    await server.stop();
  }
}

/** Average µs per returning-user issue (100 in flight), and ms per tick (admit + per-tick state), by queue length. */
async function storeCost(open: () => QueueStore, waiting: number) {
  const store = open();
  const room = `cost${randomBytes(3).toString('hex')}`;
  const now = Date.now();
  for (let start = 1; start <= waiting; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, waiting - start + 1) }, (_, i) => start + i);
    await Promise.all(batch.map((u) => store.issue(room, u, now)));
  }
  const probes = 10_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < probes; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => store.issue(room, (((i + j) * 7919) % waiting) + 1, now)),
    );
  }
  const issue = Number(process.hrtime.bigint() - started) / 1000 / probes;
  const tickStarted = process.hrtime.bigint();
  await store.admit(room, now + settings.tickMs, { floorSeq: 0, floorBoundary: 0 });
  await store.view(room, 0);
  const tick = Number(process.hrtime.bigint() - tickStarted) / 1e6;
  await store.close();
  return { issue, tick };
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
    const { issue, check, issueCommands, checkCommands } = await queueRoutes(adapter, dataDir, prefix);
    rows.push({ label: `POST /waiting/issue (${adapter})`, result: issue, commands: issueCommands });
    rows.push({ label: `GET /waiting/check (${adapter})`, result: check, commands: checkCommands });
  }
  const bareRate = rows[0]!.result.reqPerSec;
  console.log(
    '\n| route | requests | req/s | p50 ms | p99 ms | errors+non-2xx | ratio to bare | store commands per request |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { label, result, commands } of rows) {
    console.log(
      `| ${label} | ${fmt(result.requests)} | ${fmt(result.reqPerSec)} | ${result.latency.p50} | ${result.latency.p99} | ` +
        `${result.errors + result.non2xx} | ${fmt((result.reqPerSec / bareRate) * 100)}% | ` +
        `${commands === undefined ? '–' : fmt(commands, 4)} |`,
    );
  }
  console.log('\nstore cost by queue length:');
  console.log('| store | op | 1,000 waiting | 10,000 waiting | 100,000 waiting |');
  console.log('|---|---|---:|---:|---:|');
  const stores: [string, () => QueueStore][] = [['memory', () => new MemoryQueueStore(settings)]];
  if (redisUrl) {
    stores.push([
      'redis',
      () =>
        new RedisQueueStore(
          new Redis(redisUrl, { keyPrefix: prefix, enableAutoPipelining: true }),
          'main',
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
    console.log(
      `| ${name} | issue (returning user), µs | ${costs.map((c) => fmt(c.issue, 2)).join(' | ')} |`,
    );
    console.log(`| ${name} | tick (admit + state), ms | ${costs.map((c) => fmt(c.tick, 2)).join(' | ')} |`);
  }
} finally {
  await fs.rm(dataDir, { recursive: true, force: true });
  if (redisUrl && !ownRedis) await deleteKeysWithPrefix(redisUrl, prefix);
  await ownRedis?.kill();
}
