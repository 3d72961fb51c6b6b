import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../../../load/lib/server-process.js';
import { TEST_SECRET } from '../../helpers/app.js';
import { createTestDatabase, redisClient, type TestDatabase } from '../../helpers/stores.js';

const ADMIT_PER_TICK = 5;
const MAX_ACTIVE = 20;
const USERS = 60;

// Two real server processes, one Redis: the Lua scripts must keep one admission per
// time slot (so the rate is global, not per process), the cap, and FIFO order.
describe.skipIf(!inject('redisUrl'))('two server processes on one Redis', () => {
  const queueName = `mp${randomBytes(3).toString('hex')}`;
  let database: TestDatabase;
  let dataDir: string;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-mp-'));
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl')!,
      REDIS_KEY_PREFIX: inject('redisPrefix'),
      QUEUE_NAME: queueName,
      QUEUE_TOKEN_SECRET: TEST_SECRET,
      QUEUE_TICK_MS: '100',
      QUEUE_ADMIT_PER_TICK: String(ADMIT_PER_TICK),
      QUEUE_MAX_ACTIVE: String(MAX_ACTIVE),
      DATA_DIR: dataDir,
      // 60 joins from one address in a second: the admission under test, not the rate limit.
      RATE_LIMIT_ISSUE_PER_MINUTE: '0',
    };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 60_000);

  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    expect(codes).toEqual([0, 0]); // graceful shutdown on SIGTERM
    await database?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the admission rate, the cap and FIFO order', async () => {
    const post = (server: ServerProcess, userId: number) =>
      fetch(`${server.url}/waiting/issue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      }).then((r) => r.json() as Promise<{ token: string; position: number }>);
    const check = (server: ServerProcess, token: string) =>
      fetch(`${server.url}/waiting/check`, { headers: { 'x-queue-token': token } }).then((r) => r.json());

    // Users join one after another, alternating between the processes, so arrival order is known.
    const order: { userId: number; token: string; position: number }[] = [];
    for (let userId = 1; userId <= USERS; userId++) {
      order.push({ userId, ...(await post(servers[userId % 2]!, userId)) });
    }
    expect(order.every((u) => u.position >= 1)).toBe(true);

    // Both processes tick every 100 ms; keep every waiter polling through both for 1.5 s.
    const redis = redisClient();
    const deadline = Date.now() + 1500;
    let maxActive = 0;
    let states: { active: boolean; expiresAt: string }[] = [];
    while (Date.now() < deadline) {
      states = await Promise.all(order.map((u, i) => check(servers[i % 2]!, u.token)));
      maxActive = Math.max(maxActive, await redis.zcard(`{${queueName}}:active`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(maxActive).toBe(MAX_ACTIVE);
    // FIFO: exactly the first MAX_ACTIVE arrivals are active, admitted in arrival order.
    expect(states.map((s) => s.active)).toEqual(order.map((_, i) => i < MAX_ACTIVE));
    const admittedAt = states.slice(0, MAX_ACTIVE).map((s) => Date.parse(s.expiresAt));
    expect(admittedAt).toEqual([...admittedAt].sort((a, b) => a - b));

    // Each time slot admitted at most the per-tick rate, once, whichever process ran it.
    const log = await redis.zrange(`{${queueName}}:admitted`, '0', '-1');
    await redis.quit();
    const slots = log.map((member) => member.split(':').map(Number) as [number, number]);
    expect(slots.reduce((sum, [, count]) => sum + count, 0)).toBe(MAX_ACTIVE);
    for (const [, count] of slots) expect(count).toBeLessThanOrEqual(ADMIT_PER_TICK);
    expect(new Set(slots.map(([slot]) => slot)).size).toBe(slots.length);
  });
});
