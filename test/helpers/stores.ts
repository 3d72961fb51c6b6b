import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { connect, type Database } from '../../src/db/client.js';
import type { PgTarget } from '../../src/db/embedded.js';
import { MemorySeatVersions, RedisSeatVersions } from '../../src/modules/concerts/seat-versions.js';
import { MemoryQueueStore } from '../../src/modules/queue/memory-queue-store.js';
import type { QueueSettings, QueueStore } from '../../src/modules/queue/queue-store.js';
import { RedisQueueStore } from '../../src/modules/queue/redis-queue-store.js';
import type { SharedState } from '../../src/shared-state.js';
import { openAdmin, withDatabase } from '../global-setup.js';

let cloned = 0;

export type TestDatabase = Database & {
  /** The same database as a DATABASE_URL, for child processes. */ url: string;
};

/** A database of this test file's own, cloned from the run's migrated and seeded template. */
export async function createTestDatabase({ max = 10 }: { max?: number } = {}): Promise<TestDatabase> {
  const server = inject('pgServer');
  const name = `sdt_${inject('runId')}_${process.pid}_${++cloned}_${randomBytes(2).toString('hex')}`;
  const admin = openAdmin(server);
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  } finally {
    await admin.end();
  }
  const target = withDatabase(server, name);
  // The suites run many files at once on a shared 2-core machine, where a backend can take more
  // than the app's 1.5 s to start; a slow connection is not what they test (the fault tests are).
  return Object.assign(connect(target, { max, connectTimeoutSeconds: 10 }), { url: asUrl(target) });
}

function asUrl(target: string | PgTarget): string {
  if (typeof target === 'string') return target;
  const auth = `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
  if (!target.host.startsWith('/'))
    return `postgres://${auth}@${target.host}:${target.port}/${target.database}`;
  return `postgres://${auth}@localhost:${target.port}/${target.database}?host=${encodeURIComponent(target.host)}`;
}

export type StoreKind = 'memory' | 'redis' | 'redis-cluster';

/**
 * The kinds of queue store this run can test: Redis only when REDIS_URL is set, Redis
 * Cluster only when REDIS_CLUSTER_NODES is (scripts/redis-cluster.sh starts one).
 */
export function storeKinds(): StoreKind[] {
  const kinds: StoreKind[] = ['memory'];
  if (inject('redisUrl')) kinds.push('redis');
  if (inject('redisClusterNodes')) kinds.push('redis-cluster');
  return kinds;
}

/** A client of the run's Redis Cluster, under the run's prefix. */
export function redisClusterClient(): Cluster {
  const nodes = inject('redisClusterNodes');
  if (!nodes) throw new Error('REDIS_CLUSTER_NODES is not set');
  return new Cluster(
    nodes.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })),
    { keyPrefix: inject('redisPrefix'), enableAutoPipelining: true },
  );
}

export function redisClient(): Redis {
  const url = inject('redisUrl');
  if (!url) throw new Error('REDIS_URL is not set');
  return new Redis(url, { keyPrefix: inject('redisPrefix'), enableAutoPipelining: true });
}

/** A fresh, empty queue store (rooms of its own under the run's Redis prefix: use `testRoom()`). */
export function createTestQueueStore(kind: StoreKind, settings: QueueSettings): QueueStore {
  return createTestSharedState(kind, settings).queueStore;
}

/** A room name no other test uses. */
export const testRoom = () => `r${randomBytes(4).toString('hex')}`;

/** Queue store and seat versions as the app gets them, fresh (Redis: a queue name of its own). */
export function createTestSharedState(
  kind: StoreKind,
  settings: QueueSettings,
  queueName?: string,
): SharedState {
  const name = queueName ?? `q${randomBytes(4).toString('hex')}`;
  if (kind === 'memory')
    return { queueStore: new MemoryQueueStore(settings, name), seatVersions: new MemorySeatVersions() };
  const redis = kind === 'redis' ? redisClient() : redisClusterClient();
  return {
    queueStore: new RedisQueueStore(redis, name, settings),
    seatVersions: new RedisSeatVersions(redis, name),
    redis,
  };
}
