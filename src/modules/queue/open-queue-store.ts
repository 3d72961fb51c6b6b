import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { MemoryQueueStore } from './memory-queue-store.js';
import type { QueueSettings, QueueStore } from './queue-store.js';
import { RedisQueueStore } from './redis-queue-store.js';

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

/** Redis when `REDIS_URL` is set (shared by all processes), else process memory. */
export async function openQueueStore(config: Config): Promise<QueueStore> {
  const settings = queueSettings(config);
  if (!config.redisUrl) return new MemoryQueueStore(settings);
  const redis = new Redis(config.redisUrl, {
    keyPrefix: config.redisKeyPrefix,
    enableAutoPipelining: true,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await redis.connect();
  return new RedisQueueStore(redis, config.queueName, settings);
}
