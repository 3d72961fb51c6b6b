import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type {
  ActiveSeen,
  AdmissionRecord,
  AdmitHints,
  AdmitResult,
  Placement,
  QueueSettings,
  QueueStore,
  RoomState,
  SignedPlace,
} from './queue-store.js';
import { historyWindow, idleWarningMs } from './queue-store.js';
import { ADMIT, EXPIRE, ISSUE, LAST_SEEN, ROOM_KEYS, TOUCH, VIEW } from './redis-queue-scripts.js';

/** Places per touch script call (three arguments each). */
const TOUCH_BATCH = 1000;

type Args = (string | number)[];
interface QueueScripts {
  sdQueueIssue(...args: Args): Promise<[string, string, string, string | number]>;
  sdQueueTouch(...args: Args): Promise<number>;
  sdQueueAdmit(...args: Args): Promise<[number, number, number, number, number]>;
  sdQueueView(...args: Args): Promise<[string, string[], string[]]>;
  sdQueueExpire(...args: Args): Promise<number>;
  sdQueueLastSeen(...args: Args): Promise<string | null>;
}

const numbers = (csv: string) => (csv === '' ? [] : csv.split(',').map(Number));

/**
 * The queue in Redis (one node or a Cluster), shared by every API process. Each
 * operation is one Lua script over one room's keys, so it is atomic however many
 * processes call it at once, and all keys of a call share a Cluster slot. The
 * client's `keyPrefix` (REDIS_KEY_PREFIX) namespaces a deployment or a test run.
 */
export class RedisQueueStore implements QueueStore {
  private readonly scripts: QueueScripts;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly defaultRoom: string,
    private readonly settings: QueueSettings,
  ) {
    const scripts: Record<keyof QueueScripts, string> = {
      sdQueueIssue: ISSUE,
      sdQueueTouch: TOUCH,
      sdQueueAdmit: ADMIT,
      sdQueueView: VIEW,
      sdQueueExpire: EXPIRE,
      sdQueueLastSeen: LAST_SEEN,
    };
    for (const [name, lua] of Object.entries(scripts)) {
      redis.defineCommand(name, { numberOfKeys: ROOM_KEYS.length, lua });
    }
    this.scripts = redis as unknown as QueueScripts;
  }

  /** The room's keys; the {hash tag} keeps them in one Cluster slot. */
  static keys(room: string): string[] {
    return ROOM_KEYS.map((key) => `{${room}}:${key}`);
  }

  async issue(room: string, userId: number, now: number, claim?: SignedPlace): Promise<Placement> {
    const claimed = claim?.userId === userId ? claim : undefined;
    const [state, seq, issuedAt, last] = await this.scripts.sdQueueIssue(
      ...RedisQueueStore.keys(room),
      userId,
      now,
      this.settings.idleTimeoutMs,
      claimed ? claimed.seq : 0,
      claimed ? claimed.issuedAt : 0,
    );
    const place = { seq: Number(seq), issuedAt: Number(issuedAt) };
    return state === 'ACTIVE'
      ? { state: 'ACTIVE', ...place, activeUntil: Number(last) }
      : { state: 'WAITING', ...place, position: Number(last) };
  }

  async touch(
    room: string,
    seen: readonly SignedPlace[],
    now: number,
    active: readonly ActiveSeen[] = [],
  ): Promise<number> {
    // In batches: a script's arguments are spread into one JS call, and 50,000 waiters seen in
    // one tick overflowed the stack inside ioredis's auto-pipelining, whose broken state then
    // crashed the process. A batch also bounds how long one script call holds Redis.
    let readded = 0;
    for (let from = 0; from < Math.max(seen.length, active.length); from += TOUCH_BATCH) {
      const waiters = seen.slice(from, from + TOUCH_BATCH);
      const args: Args = [now, waiters.length];
      for (const { userId, seq, issuedAt } of waiters) args.push(userId, seq, issuedAt);
      for (const { userId, seq, until } of active.slice(from, from + TOUCH_BATCH))
        args.push(userId, seq, until);
      readded += await this.scripts.sdQueueTouch(...RedisQueueStore.keys(room), ...args);
    }
    return readded;
  }

  async admit(room: string, now: number, hints: AdmitHints): Promise<AdmitResult> {
    const { admitPerTick, maxActive, idleTimeoutMs, activeTtlMs, tickMs } = this.settings;
    const [ran, admitted, expired, abandoned, released] = await this.scripts.sdQueueAdmit(
      ...RedisQueueStore.keys(room),
      now,
      hints.admitPerTick ?? admitPerTick,
      hints.maxActive ?? maxActive,
      idleTimeoutMs,
      activeTtlMs,
      tickMs,
      historyWindow(this.settings),
      hints.floorSeq,
      hints.floorBoundary,
      maxActive,
      randomBytes(6).toString('base64url'),
      this.settings.activeIdleMs ?? 0,
      idleWarningMs(this.settings),
    );
    return { ran: ran === 1, admitted, expired, abandoned, released };
  }

  async view(room: string, droppedSince: number): Promise<RoomState | null> {
    const [snap, log, dropped] = await this.scripts.sdQueueView(...RedisQueueStore.keys(room), droppedSince);
    if (snap === '') return null;
    const [epoch, builtAt, boundary, oldBoundary, maxSeq, waiting, ranks, seqs, deadlines] = snap.split(
      '|',
    ) as [string, string, string, string, string, string, string, string, string];
    const history: AdmissionRecord[] = [];
    for (let i = 0; i < log.length; i += 2) {
      const [, admittedCount, after, droppedCount] = log[i]!.split(':').map(Number);
      history.push({
        at: Number(log[i + 1]),
        admitted: admittedCount!,
        boundary: after!,
        dropped: droppedCount!,
      });
    }
    const droppedSeqs: { seq: number; at: number }[] = [];
    for (let i = 0; i < dropped.length; i += 2) {
      droppedSeqs.push({ seq: Number(dropped[i]), at: Number(dropped[i + 1]) });
    }
    return {
      epoch,
      builtAt: Number(builtAt),
      boundary: Number(boundary),
      oldBoundary: Number(oldBoundary),
      maxSeq: Number(maxSeq),
      waiting: Number(waiting),
      ranks: numbers(ranks),
      seqs: numbers(seqs),
      history,
      dropped: droppedSeqs,
      idleDeadlines: (deadlines ?? '').split(',').flatMap((pair) => {
        const [seq, deadline] = pair.split(':');
        return pair === '' ? [] : [{ seq: Number(seq), deadline: Number(deadline) }];
      }),
    };
  }

  async lastSeen(room: string, userId: number, seq: number): Promise<number | null> {
    const seen = await this.scripts.sdQueueLastSeen(...RedisQueueStore.keys(room), userId, seq);
    return seen === null ? null : Number(seen);
  }

  async expire(room: string, userId: number, seq: number): Promise<boolean> {
    return (await this.scripts.sdQueueExpire(...RedisQueueStore.keys(room), userId, seq)) === 1;
  }

  async counts(room = this.defaultRoom) {
    const [waiting, , active] = RedisQueueStore.keys(room);
    const [w, a] = await Promise.all([this.redis.zcard(waiting!), this.redis.zcard(active!)]);
    return { waiting: w, active: a };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
