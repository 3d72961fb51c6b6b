import type { Redis } from 'ioredis';
import {
  type AdmitResult,
  admissionRate,
  type QueueEntry,
  type QueueSettings,
  type QueueStore,
} from './queue-store.js';

/*
 * Key layout (one queue; every key carries the same {hash tag}, so each script
 * touches one Cluster slot and runs unchanged on Redis Cluster):
 *   waiting  ZSET userId → arrival sequence      seen    ZSET userId → last issue/check (ms)
 *   active   ZSET userId → expiry (ms)           tokens  HASH userId → live token id
 *   seq      arrival counter                     meta    HASH slot, first, win (admission stats)
 *   admitted ZSET "slot:count" → tick time (ms), the trailing window of admissions
 */
const KEYS = ['waiting', 'seen', 'active', 'tokens', 'seq', 'meta', 'admitted'] as const;

// A waiter's live entry, refreshed; otherwise drop what is stale and queue at the back.
const ISSUE = `
local uid, now, idle = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local stats = redis.call('HMGET', KEYS[6], 'win', 'first')
local current = redis.call('HGET', KEYS[4], uid)
if current then
  local exp = redis.call('ZSCORE', KEYS[3], uid)
  if exp and tonumber(exp) > now then return {'ACTIVE', current, exp, stats[1], stats[2]} end
  redis.call('ZREM', KEYS[3], uid)
  local seen = redis.call('ZSCORE', KEYS[2], uid)
  if seen and tonumber(seen) + idle > now then
    redis.call('ZADD', KEYS[2], now, uid)
    return {'WAITING', current, redis.call('ZRANK', KEYS[1], uid) + 1, stats[1], stats[2]}
  end
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[5]), uid)
redis.call('ZADD', KEYS[2], now, uid)
redis.call('HSET', KEYS[4], uid, ARGV[2])
return {'WAITING', ARGV[2], redis.call('ZRANK', KEYS[1], uid) + 1, stats[1], stats[2]}
`;

const CHECK = `
local uid, now, idle = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local stats = redis.call('HMGET', KEYS[6], 'win', 'first')
if redis.call('HGET', KEYS[4], uid) ~= ARGV[2] then return {'NONE', '', 0, stats[1], stats[2]} end
local exp = redis.call('ZSCORE', KEYS[3], uid)
if exp then
  if tonumber(exp) > now then return {'ACTIVE', ARGV[2], exp, stats[1], stats[2]} end
  return {'NONE', '', 0, stats[1], stats[2]}
end
local seen = redis.call('ZSCORE', KEYS[2], uid)
if not seen or tonumber(seen) + idle <= now then return {'NONE', '', 0, stats[1], stats[2]} end
redis.call('ZADD', KEYS[2], now, uid)
return {'WAITING', ARGV[2], redis.call('ZRANK', KEYS[1], uid) + 1, stats[1], stats[2]}
`;

// One tick per time slot across all processes: the first to arrive runs it.
const ADMIT = `
local now, perTick, maxActive = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local idle, ttl, tick, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local slot = math.floor(now / tick)
local last = tonumber(redis.call('HGET', KEYS[6], 'slot') or '-1')
if slot <= last then return {0, 0, 0, 0} end
redis.call('HSET', KEYS[6], 'slot', slot)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 10000)
for _, uid in ipairs(expired) do
  redis.call('ZREM', KEYS[3], uid)
  redis.call('HDEL', KEYS[4], uid)
end
local idlers = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - idle, 'LIMIT', 0, 10000)
for _, uid in ipairs(idlers) do
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
  redis.call('HDEL', KEYS[4], uid)
end
local room = math.min(perTick, maxActive - redis.call('ZCARD', KEYS[3]))
local admitted = 0
if room > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], room)
  for i = 1, #popped, 2 do
    redis.call('ZREM', KEYS[2], popped[i])
    redis.call('ZADD', KEYS[3], now + ttl, popped[i])
    admitted = admitted + 1
  end
end
if admitted > 0 then
  redis.call('ZADD', KEYS[7], now, slot .. ':' .. admitted)
  redis.call('HSETNX', KEYS[6], 'first', now)
end
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - window)
local win = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
  win = win + tonumber(string.match(member, ':(%d+)$'))
end
redis.call('HSET', KEYS[6], 'win', win)
return {1, admitted, #expired, #idlers}
`;

const EXPIRE = `
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

type Reply = [
  state: string,
  tokenId: string,
  positionOrExpiry: number | string,
  win: string | null,
  first: string | null,
];

interface QueueScripts {
  sdQueueIssue(...keysAndArgs: (string | number)[]): Promise<Reply>;
  sdQueueCheck(...keysAndArgs: (string | number)[]): Promise<Reply>;
  sdQueueAdmit(...keysAndArgs: (string | number)[]): Promise<[number, number, number, number]>;
  sdQueueExpire(...keysAndArgs: (string | number)[]): Promise<number>;
}

/**
 * The queue in Redis, shared by every API process. Each operation is one Lua
 * script, so it is atomic however many processes call it at once. The client's
 * `keyPrefix` (REDIS_KEY_PREFIX) namespaces a deployment or a test run.
 */
export class RedisQueueStore implements QueueStore {
  private readonly keys: string[];
  private readonly scripts: QueueScripts;

  constructor(
    private readonly redis: Redis,
    queueName: string,
    private readonly settings: QueueSettings,
  ) {
    this.keys = KEYS.map((key) => `{${queueName}}:${key}`);
    const scripts: Record<keyof QueueScripts, string> = {
      sdQueueIssue: ISSUE,
      sdQueueCheck: CHECK,
      sdQueueAdmit: ADMIT,
      sdQueueExpire: EXPIRE,
    };
    for (const [name, lua] of Object.entries(scripts)) {
      redis.defineCommand(name, { numberOfKeys: KEYS.length, lua });
    }
    this.scripts = redis as unknown as QueueScripts;
  }

  async issue(userId: number, newTokenId: string, now: number) {
    const reply = await this.scripts.sdQueueIssue(
      ...this.keys,
      userId,
      newTokenId,
      now,
      this.settings.idleTimeoutMs,
    );
    const view = this.view(reply, now);
    return { entry: view.entry!, admissionRate: view.admissionRate };
  }

  async check(userId: number, tokenId: string, now: number) {
    const reply = await this.scripts.sdQueueCheck(
      ...this.keys,
      userId,
      tokenId,
      now,
      this.settings.idleTimeoutMs,
    );
    return this.view(reply, now);
  }

  async admit(now: number): Promise<AdmitResult> {
    const { admitPerTick, maxActive, idleTimeoutMs, activeTtlMs, tickMs, rateWindowMs } = this.settings;
    const [ran, admitted, expired, abandoned] = await this.scripts.sdQueueAdmit(
      ...this.keys,
      now,
      admitPerTick,
      maxActive,
      idleTimeoutMs,
      activeTtlMs,
      tickMs,
      rateWindowMs,
    );
    return { ran: ran === 1, admitted, expired, abandoned };
  }

  async expire(userId: number, tokenId: string): Promise<boolean> {
    return (await this.scripts.sdQueueExpire(...this.keys, userId, tokenId)) === 1;
  }

  async counts() {
    const [waiting, active] = await Promise.all([
      this.redis.zcard(this.keys[0]!),
      this.redis.zcard(this.keys[2]!),
    ]);
    return { waiting, active };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }

  private view([state, tokenId, positionOrExpiry, win, first]: Reply, now: number) {
    const rate = admissionRate(Number(win ?? 0), first ? Number(first) : undefined, now, this.settings);
    let entry: QueueEntry | null = null;
    if (state === 'ACTIVE') entry = { state, tokenId, expiresAt: Number(positionOrExpiry) };
    if (state === 'WAITING') {
      entry = {
        state,
        tokenId,
        position: Number(positionOrExpiry),
        expiresAt: now + this.settings.idleTimeoutMs,
      };
    }
    return { entry, admissionRate: rate };
  }
}
