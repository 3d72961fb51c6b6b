import type { Redis } from 'ioredis';

/**
 * A counter per schedule, bumped after every committed change to its seats and
 * read before every seat-map answer. A process may answer from its cached seat map
 * only while the counter is unchanged, so a read that starts after a write's
 * response has been sent always sees that write, whichever process served either.
 * Memory for one process (the embedded default); Redis when processes share one.
 */
export interface SeatVersions {
  current(scheduleId: number): Promise<number>;
  /** Returns the new version. */
  bump(scheduleId: number): Promise<number>;
}

export class MemorySeatVersions implements SeatVersions {
  private readonly versions = new Map<number, number>();

  async current(scheduleId: number): Promise<number> {
    return this.versions.get(scheduleId) ?? 0;
  }

  async bump(scheduleId: number): Promise<number> {
    const version = (this.versions.get(scheduleId) ?? 0) + 1;
    this.versions.set(scheduleId, version);
    return version;
  }
}

export class RedisSeatVersions implements SeatVersions {
  private readonly key: string;

  /** Shares the queue's client and namespace (`{queueName}`); the queue store closes the client. */
  constructor(
    private readonly redis: Redis,
    queueName: string,
  ) {
    this.key = `{${queueName}}:seat-versions`;
  }

  async current(scheduleId: number): Promise<number> {
    return Number((await this.redis.hget(this.key, String(scheduleId))) ?? 0);
  }

  async bump(scheduleId: number): Promise<number> {
    return this.redis.hincrby(this.key, String(scheduleId), 1);
  }
}
