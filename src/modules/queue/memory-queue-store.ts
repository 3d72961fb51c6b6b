import {
  type AdmitResult,
  admissionRate,
  type QueueSettings,
  type QueueStore,
  type QueueView,
} from './queue-store.js';
import { RankIndex } from './rank-index.js';

interface Waiter {
  seq: number;
  tokenId: string;
  lastSeenAt: number;
}

interface Active {
  tokenId: string;
  expiresAt: number;
}

/**
 * The queue in process memory, for the embedded default (one process). Maps keep
 * insertion order, which the code uses as time order: `lastSeen` is re-inserted on
 * every touch, `active` is filled in admission order (so by expiry).
 */
export class MemoryQueueStore implements QueueStore {
  private readonly waiters = new Map<number, Waiter>();
  private readonly bySeq = new Map<number, number>();
  private readonly ranks = new RankIndex();
  private readonly lastSeen = new Map<number, number>();
  private readonly active = new Map<number, Active>();
  private readonly admissions: { at: number; count: number }[] = [];
  /** Sum of `admissions`, as of the last tick. */
  private admittedInWindow = 0;
  private nextSeq = 1;
  private head = 1;
  private lastSlot = -1;
  private firstAdmissionAt: number | undefined;

  constructor(private readonly settings: QueueSettings) {}

  async issue(userId: number, newTokenId: string, now: number) {
    const active = this.active.get(userId);
    if (active && active.expiresAt > now) {
      return { entry: { state: 'ACTIVE' as const, ...active }, admissionRate: this.rate(now) };
    }
    this.active.delete(userId);
    const waiter = this.liveWaiter(userId, now);
    if (waiter) return this.touch(userId, waiter, now);
    this.removeWaiter(userId);
    const fresh: Waiter = { seq: this.nextSeq++, tokenId: newTokenId, lastSeenAt: now };
    this.waiters.set(userId, fresh);
    this.bySeq.set(fresh.seq, userId);
    this.ranks.add(fresh.seq);
    return this.touch(userId, fresh, now);
  }

  async check(userId: number, tokenId: string, now: number): Promise<QueueView> {
    const active = this.active.get(userId);
    if (active) {
      const live = active.tokenId === tokenId && active.expiresAt > now;
      return { entry: live ? { state: 'ACTIVE', ...active } : null, admissionRate: this.rate(now) };
    }
    const waiter = this.liveWaiter(userId, now);
    if (!waiter || waiter.tokenId !== tokenId) return { entry: null, admissionRate: this.rate(now) };
    return this.touch(userId, waiter, now);
  }

  async admit(now: number): Promise<AdmitResult> {
    const slot = Math.floor(now / this.settings.tickMs);
    if (slot <= this.lastSlot) return { ran: false, admitted: 0, expired: 0, abandoned: 0 };
    this.lastSlot = slot;

    let expired = 0;
    for (const [userId, active] of this.active) {
      if (active.expiresAt > now) break;
      this.active.delete(userId);
      expired += 1;
    }
    let abandoned = 0;
    for (const [userId, seenAt] of this.lastSeen) {
      if (seenAt + this.settings.idleTimeoutMs > now) break;
      this.removeWaiter(userId);
      abandoned += 1;
    }
    const room = Math.min(this.settings.admitPerTick, this.settings.maxActive - this.active.size);
    let admitted = 0;
    while (admitted < room && this.ranks.size > 0) {
      const userId = this.bySeq.get(this.head);
      this.head += 1;
      if (userId === undefined) continue;
      const { tokenId } = this.waiters.get(userId)!;
      this.removeWaiter(userId);
      this.active.set(userId, { tokenId, expiresAt: now + this.settings.activeTtlMs });
      admitted += 1;
    }
    this.recordAdmissions(admitted, now);
    return { ran: true, admitted, expired, abandoned };
  }

  async expire(userId: number, tokenId: string): Promise<boolean> {
    const active = this.active.get(userId);
    if (active?.tokenId === tokenId) return this.active.delete(userId);
    if (this.waiters.get(userId)?.tokenId === tokenId) return this.removeWaiter(userId);
    return false;
  }

  async counts() {
    return { waiting: this.waiters.size, active: this.active.size };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private liveWaiter(userId: number, now: number): Waiter | undefined {
    const waiter = this.waiters.get(userId);
    return waiter && waiter.lastSeenAt + this.settings.idleTimeoutMs > now ? waiter : undefined;
  }

  private touch(userId: number, waiter: Waiter, now: number) {
    waiter.lastSeenAt = now;
    this.lastSeen.delete(userId);
    this.lastSeen.set(userId, now);
    const entry = {
      state: 'WAITING' as const,
      tokenId: waiter.tokenId,
      position: this.ranks.rank(waiter.seq),
      expiresAt: now + this.settings.idleTimeoutMs,
    };
    return { entry, admissionRate: this.rate(now) };
  }

  private removeWaiter(userId: number): boolean {
    const waiter = this.waiters.get(userId);
    if (!waiter) return false;
    this.waiters.delete(userId);
    this.bySeq.delete(waiter.seq);
    this.ranks.remove(waiter.seq);
    this.lastSeen.delete(userId);
    return true;
  }

  private recordAdmissions(count: number, now: number): void {
    if (count > 0) {
      this.admissions.push({ at: now, count });
      this.admittedInWindow += count;
      this.firstAdmissionAt ??= now;
    }
    const cutoff = now - this.settings.rateWindowMs;
    while (this.admissions.length > 0 && this.admissions[0]!.at <= cutoff) {
      this.admittedInWindow -= this.admissions.shift()!.count;
    }
  }

  private rate(now: number): number | null {
    return admissionRate(this.admittedInWindow, this.firstAdmissionAt, now, this.settings);
  }
}
