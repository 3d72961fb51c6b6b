import type { Cluster, Redis } from 'ioredis';
import type { Config } from './config.js';
import {
  MemorySeatVersions,
  RedisSeatVersions,
  type SeatVersions,
} from './modules/concerts/seat-versions.js';
import { MemoryQueueStore } from './modules/queue/memory-queue-store.js';
import type { QueueSettings, QueueStore } from './modules/queue/queue-store.js';
import { RedisQueueStore } from './modules/queue/redis-queue-store.js';
import { openRedis, type RedisLog } from './redis-client.js';

/** State that every API process must see the same: in memory for one process, in Redis for many. */
export interface SharedState {
  /** Owns the Redis client: closing it closes the client. */
  queueStore: QueueStore;
  seatVersions: SeatVersions;
  /** The Redis client (owned by the queue store), for other shared counters such as rate limits. */
  redis?: Redis | Cluster;
}

export function queueSettings(config: Config): QueueSettings {
  return {
    admitPerTick: config.queueAdmitPerTick,
    maxActive: config.queueMaxActive,
    tickMs: config.queueTickMs,
    idleTimeoutMs: config.queueIdleTimeoutSeconds * 1000,
    activeTtlMs: config.queueActiveTtlSeconds * 1000,
    rateWindowMs: 60_000,
    activeIdleMs: config.queueActiveIdleSeconds * 1000,
  };
}

/** Redis (`REDIS_CLUSTER_NODES` or `REDIS_URL`) when set, else process memory. */
export async function openSharedState(config: Config, log: RedisLog): Promise<SharedState> {
  const settings = queueSettings(config);
  if (!config.redisUrl && !config.redisClusterNodes)
    return {
      queueStore: new MemoryQueueStore(settings, config.queueName),
      seatVersions: new MemorySeatVersions(),
    };
  const redis = await openRedis(
    { url: config.redisUrl, clusterNodes: config.redisClusterNodes, keyPrefix: config.redisKeyPrefix },
    log,
  );
  return {
    queueStore: new RedisQueueStore(redis, config.queueName, settings),
    seatVersions: new RedisSeatVersions(redis, config.queueName),
    redis,
  };
}
