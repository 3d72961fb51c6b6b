import { Redis } from 'ioredis';
import type { Config } from './config.js';
import {
  MemorySeatVersions,
  RedisSeatVersions,
  type SeatVersions,
} from './modules/concerts/seat-versions.js';
import { MemoryQueueStore } from './modules/queue/memory-queue-store.js';
import type { QueueSettings, QueueStore } from './modules/queue/queue-store.js';
import { RedisQueueStore } from './modules/queue/redis-queue-store.js';

/** State that every API process must see the same: in memory for one process, in Redis for many. */
export interface SharedState {
  /** Owns the Redis client: closing it closes the client. */
  queueStore: QueueStore;
  seatVersions: SeatVersions;
}

export function queueSettings(config: Config): QueueSettings {
  return {
    admitPerTick: config.queueAdmitPerTick,
    maxActive: config.queueMaxActive,
    tickMs: config.queueTickMs,
    idleTimeoutMs: config.queueIdleTimeoutSeconds * 1000,
    activeTtlMs: config.queueActiveTtlSeconds * 1000,
    rateWindowMs: 60_000,
  };
}

/** Redis when `REDIS_URL` is set, else process memory. */
export async function openSharedState(config: Config): Promise<SharedState> {
  const settings = queueSettings(config);
  if (!config.redisUrl)
    return { queueStore: new MemoryQueueStore(settings), seatVersions: new MemorySeatVersions() };
  const redis = new Redis(config.redisUrl, {
    keyPrefix: config.redisKeyPrefix,
    enableAutoPipelining: true,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await redis.connect();
  return {
    queueStore: new RedisQueueStore(redis, config.queueName, settings),
    seatVersions: new RedisSeatVersions(redis, config.queueName),
  };
}
