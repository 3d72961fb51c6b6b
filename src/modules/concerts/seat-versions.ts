import type { Cluster, Redis } from 'ioredis';

/**
 * A counter per schedule, bumped after every committed change to its seats and
 * read before every seat-map answer. A process may answer from its cached seat map
 * only while the counter is unchanged, so a read that starts after a write's
 * response has been sent always sees that write, whichever process served either.
 * A change that frees a seat before its hold expires (release, refund, an operator's
 * change) also records its version as the schedule's `lastFreed`: a cached map older
 * than that may show a free seat as taken. Memory for one process (the embedded
 * default); Redis when processes share one.
 */
export interface SeatVersions {
  current(scheduleId: number): Promise<number>;
  /** Returns the new version; `freed`: the change may have freed seats. */
  bump(scheduleId: number, freed?: boolean): Promise<number>;
  /** The version of the last change that freed seats (0: none). */
  lastFreed(scheduleId: number): Promise<number>;
}

export class MemorySeatVersions implements SeatVersions {
  private readonly versions = new Map<number, number>();
  private readonly freed = new Map<number, number>();

  async current(scheduleId: number): Promise<number> {
    return this.versions.get(scheduleId) ?? 0;
  }

  async bump(scheduleId: number, freed = false): Promise<number> {
    const version = (this.versions.get(scheduleId) ?? 0) + 1;
    this.versions.set(scheduleId, version);
    if (freed) this.freed.set(scheduleId, version);
    return version;
  }

  async lastFreed(scheduleId: number): Promise<number> {
    return this.freed.get(scheduleId) ?? 0;
  }
}

// Bump and record the freeing version atomically, so no reader sees one without the other.
const BUMP_FREED = `local v = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[1], ARGV[1] .. ':freed', v)
return v`;

export class RedisSeatVersions implements SeatVersions {
  private readonly key: string;

  /** Shares the queue's client and namespace (`{queueName}`); the queue store closes the client. */
  constructor(
    private readonly redis: Redis | Cluster,
    queueName: string,
  ) {
    this.key = `{${queueName}}:seat-versions`;
  }

  async current(scheduleId: number): Promise<number> {
    return Number((await this.redis.hget(this.key, String(scheduleId))) ?? 0);
  }

  async bump(scheduleId: number, freed = false): Promise<number> {
    if (!freed) return this.redis.hincrby(this.key, String(scheduleId), 1);
    return Number(await this.redis.eval(BUMP_FREED, 1, this.key, String(scheduleId)));
  }

  async lastFreed(scheduleId: number): Promise<number> {
    return Number((await this.redis.hget(this.key, `${scheduleId}:freed`)) ?? 0);
  }
}
