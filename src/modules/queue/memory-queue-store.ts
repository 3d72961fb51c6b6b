import { randomBytes } from 'node:crypto';
import {
  type ActiveSeen,
  type AdmissionRecord,
  type AdmitHints,
  type AdmitResult,
  freshCounter,
  historyWindow,
  idleWarningMs,
  nextSampleRank,
  type Placement,
  type QueueSettings,
  type QueueStore,
  type RoomState,
  type SignedPlace,
} from './queue-store.js';
import { SeqOrder } from './seq-order.js';

interface Entry {
  seq: number;
  issuedAt: number;
  /** 0 while waiting. */
  activeUntil: number;
}

/**
 * One room in process memory. Maps keep insertion order, which the code uses as
 * time order: `seen` is re-inserted on every touch, `active` is filled in admission
 * order (so by expiry, the TTL being fixed).
 */
class Room {
  readonly epoch = randomBytes(6).toString('base64url');
  readonly order = new SeqOrder();
  readonly userOf = new Map<number, number>();
  readonly entries = new Map<number, Entry>();
  readonly seen = new Map<number, number>();
  readonly active = new Map<number, number>();
  /** Admitted users → busy until (last activity, or a live hold's end). */
  readonly busy = new Map<number, number>();
  readonly droppedSeqs = new Set<number>();
  dropped: { seq: number; at: number }[] = [];
  history: AdmissionRecord[] = [];
  counter: number | undefined;
  boundary = 0;
  oldBoundary = 0;
  lastSlot = -1;
  state: RoomState | null = null;

  nextSeq(now: number): number {
    this.counter = (this.counter ?? freshCounter(now)) + 1;
    return this.counter;
  }

  addWaiter(userId: number, seq: number, issuedAt: number, now: number): void {
    this.entries.set(userId, { seq, issuedAt, activeUntil: 0 });
    this.order.add(seq);
    this.userOf.set(seq, userId);
    this.seen.set(userId, now);
    if (this.counter === undefined || this.counter < seq) this.counter = seq;
  }

  forget(userId: number): Entry | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    this.entries.delete(userId);
    this.seen.delete(userId);
    this.active.delete(userId);
    this.busy.delete(userId);
    this.order.remove(entry.seq);
    this.userOf.delete(entry.seq);
    return entry;
  }

  drop(userId: number, now: number): void {
    const entry = this.forget(userId);
    if (entry?.activeUntil !== 0) return;
    this.dropped.push({ seq: entry.seq, at: now });
    this.droppedSeqs.add(entry.seq);
  }

  /** Frees an idle admitted user's slot; its seq is listed so every process ends the token. */
  release(userId: number, now: number): void {
    const entry = this.forget(userId);
    if (!entry) return;
    this.dropped.push({ seq: entry.seq, at: now });
    this.droppedSeqs.add(entry.seq);
  }

  /** A seq that may take a place again: not dropped and not behind the admission boundary. */
  placeable(seq: number): boolean {
    return seq > this.boundary && !this.droppedSeqs.has(seq);
  }
}

/** The queue in process memory, for the embedded default (one process). */
export class MemoryQueueStore implements QueueStore {
  readonly localLiveness = true;
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly settings: QueueSettings,
    private readonly defaultRoom = 'main',
  ) {}

  async issue(name: string, userId: number, now: number, claim?: SignedPlace): Promise<Placement> {
    const room = this.room(name);
    const entry = room.entries.get(userId);
    if (entry) {
      const { seq, issuedAt, activeUntil } = entry;
      if (activeUntil > now) return { state: 'ACTIVE', seq, issuedAt, activeUntil };
      const seen = room.seen.get(userId);
      if (activeUntil === 0 && seen !== undefined && seen + this.settings.idleTimeoutMs > now) {
        this.see(room, userId, now);
        return { state: 'WAITING', seq, issuedAt, position: room.order.rank(seq) };
      }
      room.drop(userId, now);
    }
    if (claim && claim.userId === userId && room.placeable(claim.seq)) {
      room.addWaiter(userId, claim.seq, claim.issuedAt, now);
      return { state: 'WAITING', ...claim, position: room.order.rank(claim.seq) };
    }
    const seq = room.nextSeq(now);
    room.addWaiter(userId, seq, now, now);
    return { state: 'WAITING', seq, issuedAt: now, position: room.order.rank(seq) };
  }

  async touch(
    name: string,
    seen: readonly SignedPlace[],
    now: number,
    active: readonly ActiveSeen[] = [],
  ): Promise<number> {
    const room = this.room(name);
    for (const { userId, seq, until } of active) {
      const entry = room.entries.get(userId);
      const busy = room.busy.get(userId);
      if (entry?.seq === seq && entry.activeUntil > now && busy !== undefined && busy < until) {
        room.busy.set(userId, until);
      }
    }
    let readded = 0;
    for (const { userId, seq, issuedAt } of seen) {
      const entry = room.entries.get(userId);
      if (entry) {
        if (entry.seq === seq && entry.activeUntil === 0) this.see(room, userId, now);
      } else if (room.placeable(seq)) {
        room.addWaiter(userId, seq, issuedAt, now);
        readded += 1;
      }
    }
    return readded;
  }

  async admit(name: string, now: number, hints: AdmitHints): Promise<AdmitResult> {
    const room = this.room(name);
    const { tickMs, idleTimeoutMs, activeTtlMs } = this.settings;
    const admitPerTick = hints.admitPerTick ?? this.settings.admitPerTick;
    const maxActive = hints.maxActive ?? this.settings.maxActive;
    const slot = Math.floor(now / tickMs);
    if (slot <= room.lastSlot) return { ran: false, admitted: 0, expired: 0, abandoned: 0, released: 0 };
    room.lastSlot = slot;
    // A lost counter restarts from the clock, never from the floor alone: the floor is the
    // highest seq one process saw, and others may have given higher ones since.
    if (room.counter === undefined && hints.floorSeq > 0)
      room.counter = Math.max(hints.floorSeq, freshCounter(now));
    else if (room.counter !== undefined && room.counter < hints.floorSeq) room.counter = hints.floorSeq;
    room.boundary = Math.max(room.boundary, hints.floorBoundary);

    let expired = 0;
    for (const [userId, until] of room.active) {
      if (until > now) break;
      room.forget(userId);
      expired += 1;
    }
    const activeIdleMs = this.settings.activeIdleMs ?? 0;
    let released = 0;
    if (activeIdleMs > 0) {
      for (const [userId, until] of room.busy) {
        if (until + activeIdleMs > now) continue;
        room.release(userId, now);
        released += 1;
      }
    }
    let abandoned = 0;
    for (const [userId, seenAt] of room.seen) {
      if (seenAt + idleTimeoutMs > now) break;
      room.drop(userId, now);
      abandoned += 1;
    }
    const free = Math.min(admitPerTick, maxActive - room.active.size);
    let admitted = 0;
    while (admitted < free && room.order.size > 0) {
      const seq = room.order.select(1)!;
      const userId = room.userOf.get(seq)!;
      const entry = room.entries.get(userId)!;
      room.order.remove(seq);
      room.userOf.delete(seq);
      room.seen.delete(userId);
      entry.activeUntil = now + activeTtlMs;
      room.active.set(userId, entry.activeUntil);
      room.busy.set(userId, now);
      room.boundary = Math.max(room.boundary, seq);
      admitted += 1;
    }
    if (admitted > 0 || abandoned > 0) {
      room.history.push({ at: now, admitted, dropped: abandoned, boundary: room.boundary });
    }
    this.prune(room, now);
    room.state = this.build(room, now);
    return { ran: true, admitted, expired, abandoned, released };
  }

  async view(name: string, droppedSince: number): Promise<RoomState | null> {
    const room = this.room(name);
    if (!room.state) return null;
    return { ...room.state, dropped: room.dropped.filter((d) => d.at >= droppedSince) };
  }

  async lastSeen(name: string, userId: number, seq: number): Promise<number | null> {
    const room = this.room(name);
    const entry = room.entries.get(userId);
    return entry?.seq === seq && entry.activeUntil === 0 ? (room.seen.get(userId) ?? null) : null;
  }

  async expire(name: string, userId: number, seq: number): Promise<boolean> {
    const room = this.room(name);
    if (room.entries.get(userId)?.seq !== seq) return false;
    room.forget(userId);
    return true;
  }

  async counts(name = this.defaultRoom) {
    const room = this.room(name);
    return { waiting: room.order.size, active: room.active.size };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private room(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room();
      this.rooms.set(name, room);
    }
    return room;
  }

  private see(room: Room, userId: number, now: number): void {
    room.seen.delete(userId);
    room.seen.set(userId, now);
  }

  private prune(room: Room, now: number): void {
    const cutoff = now - historyWindow(this.settings);
    while (room.history.length > 0 && room.history[0]!.at <= cutoff) {
      room.oldBoundary = Math.max(room.oldBoundary, room.history.shift()!.boundary);
    }
    if (room.dropped.length > 0 && room.dropped[0]!.seq <= room.oldBoundary) {
      room.dropped = room.dropped.filter((d) => d.seq > room.oldBoundary);
      for (const seq of room.droppedSeqs) if (seq <= room.oldBoundary) room.droppedSeqs.delete(seq);
    }
  }

  private build(room: Room, now: number): RoomState {
    const ranks: number[] = [];
    const seqs: number[] = [];
    const waiting = room.order.size;
    const head = Math.min(this.settings.maxActive, waiting);
    for (let rank = 1; rank <= head; rank++) {
      ranks.push(rank);
      seqs.push(room.order.select(rank)!);
    }
    for (let rank = head; rank < waiting; ) {
      rank = Math.min(nextSampleRank(rank), waiting);
      ranks.push(rank);
      seqs.push(room.order.select(rank)!);
    }
    const idleDeadlines: { seq: number; deadline: number }[] = [];
    const activeIdleMs = this.settings.activeIdleMs ?? 0;
    if (activeIdleMs > 0) {
      const warnFrom = now - activeIdleMs + idleWarningMs(this.settings);
      for (const [userId, until] of room.busy) {
        if (until <= warnFrom)
          idleDeadlines.push({ seq: room.entries.get(userId)!.seq, deadline: until + activeIdleMs });
      }
    }
    return {
      epoch: room.epoch,
      builtAt: now,
      boundary: room.boundary,
      oldBoundary: room.oldBoundary,
      maxSeq: room.counter ?? 0,
      waiting,
      ranks,
      seqs,
      history: [...room.history],
      dropped: [],
      idleDeadlines,
    };
  }
}
