import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisLog {
  error(details: object, message: string): void;
  info(message: string): void;
}

export interface RedisTarget {
  /** REDIS_URL: one Redis server. */
  url?: string;
  /** REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster ("host:port"); wins over `url`. */
  clusterNodes?: readonly string[];
  keyPrefix: string;
}

/*
 * Bounded everything, so that a Redis that is gone costs a request at most ~1 s and
 * never hangs it: connect and command timeouts, one retry, and no offline queue (a
 * command sent while disconnected fails at once; the queue answers 503 or from the
 * per-tick state). Reconnects go on in the background, at most 1 s apart.
 */
const BOUNDED: RedisOptions = {
  enableAutoPipelining: true,
  lazyConnect: true,
  connectTimeout: 1000,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
};

/** Every client 'error' is handled (no "Unhandled error event"), and logged once per outage. */
function logOutages(client: Redis | Cluster, log: RedisLog): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.error({ err: error }, 'Redis: connection lost; reconnecting in the background');
  });
  client.on('ready', () => {
    if (down) log.info('Redis: connected again');
    down = false;
  });
}

/** A connected client for the target; throws when it cannot connect at start. */
export async function openRedis(target: RedisTarget, log: RedisLog): Promise<Redis | Cluster> {
  const client = target.clusterNodes?.length
    ? new Cluster(
        target.clusterNodes.map((node) => {
          const [host, port] = node.split(':');
          return { host: host!, port: Number(port) };
        }),
        {
          keyPrefix: target.keyPrefix,
          enableAutoPipelining: true,
          lazyConnect: true,
          enableOfflineQueue: false,
          clusterRetryStrategy: (attempt) => Math.min(50 * attempt, 1000),
          redisOptions: { ...BOUNDED, keyPrefix: undefined },
        },
      )
    : new Redis(target.url!, { ...BOUNDED, keyPrefix: target.keyPrefix });
  logOutages(client, log);
  await client.connect();
  return client;
}
