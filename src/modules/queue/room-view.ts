import type { ActiveSeen, AdmissionRecord, QueueSettings, RoomState, SignedPlace } from './queue-store.js';
import type { TokenClaims } from './queue-token.js';

export type TokenStatus =
  | { readonly state: 'ACTIVE'; readonly activeUntil: number }
  | {
      readonly state: 'WAITING';
      readonly position: number;
      /** This process has not seen the waiter for the idle window: others may have (ask the store). */
      readonly unconfirmed?: boolean;
    }
  | { readonly state: 'EXPIRED' };

/** Per second over the rate window, and the drops counted in it. */
export interface Rates {
  readonly admitted: number;
  readonly dropped: number;
  readonly droppedInWindow: number;
}

const EXPIRED: TokenStatus = { state: 'EXPIRED' };

/** The last index i with sorted[i] ≤ value, or -1. */
function floorIndex(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * What one process knows about one room: the per-tick state read from the store,
 * plus what it keeps itself (the boundary never goes back, dropped seqs, admission
 * history, revocations, the waiters it has seen). Every check and gate is answered
 * from here by arithmetic: no store call per request.
 */
export class RoomView {
  state: RoomState | null = null;
  boundary = 0;
  oldBoundary = 0;
  maxSeq = 0;
  /** The newest drop time read, so the next read asks only for newer ones. */
  droppedSince = 0;
  private readonly dropped = new Set<number>();
  private readonly history = new Map<number, AdmissionRecord>();
  /** `history` by time; boundaries only grow with time, so it is sorted by boundary too. */
  private timeline: AdmissionRecord[] = [];
  private rateCache: Rates | null = null;
  private readonly revoked = new Map<number, number>();
  /** Waiters this process saw, by user: their place and when (for liveness and store recovery). */
  readonly seen = new Map<number, SignedPlace & { at: number }>();
  private nextSeenSweep = 0;
  /** Seen since the last flush: sent to the store once per tick. */
  pending = new Map<number, SignedPlace>();
  /** Admitted users' activity this process saw (busy until: now, or a live hold's end). */
  private readonly activeSeen = new Map<number, ActiveSeen>();
  /** Admitted users' activity since the last flush: sent to the store once per tick. */
  private activePending = new Map<number, ActiveSeen>();
  /** Admitted users near their idle deadline as of the last tick: seq → deadline. */
  private idleDeadlines = new Map<number, number>();

  constructor(private readonly settings: QueueSettings) {}

  /** Takes a freshly read state; true when the store lost its data since the last one. */
  apply(state: RoomState, now: number): boolean {
    const reset = this.state !== null && state.epoch !== this.state.epoch;
    if (!this.state || reset || state.builtAt >= this.state.builtAt) {
      this.state = state;
      this.idleDeadlines = new Map(state.idleDeadlines.map(({ seq, deadline }) => [seq, deadline]));
    }
    this.boundary = Math.max(this.boundary, state.boundary);
    this.oldBoundary = Math.max(this.oldBoundary, state.oldBoundary);
    this.maxSeq = Math.max(this.maxSeq, state.maxSeq);
    for (const { seq, at } of state.dropped) {
      this.dropped.add(seq);
      this.droppedSince = Math.max(this.droppedSince, at);
    }
    for (const record of state.history) this.history.set(record.at, record);
    this.prune(now);
    this.timeline = [...this.history.values()].sort((a, b) => a.at - b.at);
    this.rateCache = this.measureRates(now);
    return reset;
  }

  /** The status of an authentic token, from the token and this view alone. */
  status(claims: TokenClaims, now: number, localLiveness: boolean): TokenStatus {
    const { seq, userId } = claims;
    // Dropped covers admitted users whose slot was freed for idleness too: their signed
    // admission ends with the slot.
    if (this.revoked.has(seq) || this.dropped.has(seq)) return EXPIRED;
    if (claims.activeUntil !== undefined) {
      return claims.activeUntil > now ? { state: 'ACTIVE', activeUntil: claims.activeUntil } : EXPIRED;
    }
    if (seq <= this.boundary) {
      const admittedAt = seq <= this.oldBoundary ? undefined : this.admittedAt(seq);
      if (admittedAt === undefined || admittedAt + this.settings.activeTtlMs <= now) return EXPIRED;
      return { state: 'ACTIVE', activeUntil: admittedAt + this.settings.activeTtlMs };
    }
    // One process sees every check: its own record decides liveness at once. With many,
    // another process may have seen the waiter, so the tick's drop list decides.
    const seen = this.seen.get(userId);
    const stale = seen?.seq === seq && seen.at + this.settings.idleTimeoutMs <= now;
    if (stale && localLiveness) return EXPIRED;
    return stale
      ? { state: 'WAITING', position: this.position(seq), unconfirmed: true }
      : { state: 'WAITING', position: this.position(seq) };
  }

  /** A waiter's place: exact in the sampled head, interpolated (≤ 1% off) further back. */
  position(seq: number): number {
    const state = this.state;
    if (!state) return this.placeAmongSeen(seq);
    const { seqs, ranks } = state;
    const i = floorIndex(seqs, seq);
    if (i >= 0 && seqs[i] === seq) return ranks[i]!;
    // Behind every waiter of the last tick (or nobody waited then): those who came between
    // the tick and this seq are ahead too, so a line joined between two ticks is not all 1st.
    if (i === seqs.length - 1) return state.waiting + this.arrivedSince(state, seq);
    if (i < 0) return 1;
    const [r1, r2, q1, q2] = [ranks[i]!, ranks[i + 1]!, seqs[i]!, seqs[i + 1]!];
    if (r2 === r1 + 1) return r2;
    return Math.min(r2 - 1, r1 + Math.max(1, Math.ceil(((seq - q1) * (r2 - r1)) / (q2 - q1))));
  }

  /** This place in the count of arrivals after the state was built (1: the first of them). */
  private arrivedSince(state: RoomState, seq: number): number {
    // Seqs count up by one from the arrival counter; a store with no counter yet (nobody had
    // joined at the tick) starts it from the clock, so only the places this process saw count.
    return state.maxSeq > 0 ? Math.max(1, seq - state.maxSeq) : this.placeAmongSeen(seq);
  }

  /** 1 + the waiters this process saw ahead of seq. */
  private placeAmongSeen(seq: number): number {
    let ahead = 0;
    for (const place of this.seen.values()) if (place.seq < seq && place.seq > this.boundary) ahead += 1;
    return ahead + 1;
  }

  /** Admissions and drops per second over the trailing rate window, as of the last tick; null before any admission. */
  rates(): Rates | null {
    return this.rateCache;
  }

  private measureRates(now: number): Rates | null {
    const since = now - this.settings.rateWindowMs;
    let admitted = 0;
    let dropped = 0;
    let first: number | undefined;
    for (const record of this.history.values()) {
      if (record.admitted > 0 && (first === undefined || record.at < first)) first = record.at;
      if (record.at <= since) continue;
      admitted += record.admitted;
      dropped += record.dropped;
    }
    if (admitted === 0 || first === undefined) return null;
    const { tickMs, rateWindowMs } = this.settings;
    const seconds = Math.max(Math.min(rateWindowMs, now - first + tickMs), tickMs) / 1000;
    return { admitted: admitted / seconds, dropped: dropped / seconds, droppedInWindow: dropped };
  }

  revoke(seq: number, at: number): void {
    this.revoked.set(seq, at);
  }

  /** The liveness gathered since the last flush, without places that ended meanwhile. */
  takePending(): SignedPlace[] {
    const pending = [...this.pending.values()].filter(
      (place) => place.seq > this.boundary && !this.revoked.has(place.seq) && !this.dropped.has(place.seq),
    );
    this.pending = new Map();
    return pending;
  }

  /** Every waiter this process saw within the idle window (to put back after a store loss). */
  knownWaiters(now: number): SignedPlace[] {
    return [...this.seen.values()].filter(
      (place) =>
        place.at + this.settings.idleTimeoutMs > now &&
        place.seq > this.boundary &&
        !this.revoked.has(place.seq) &&
        !this.dropped.has(place.seq),
    );
  }

  /** An admitted user acted (a gated request, a check): busy until `until` (a hold's end, or now). */
  seeActive(claims: SignedPlace, until: number): void {
    if (!this.settings.activeIdleMs) return;
    const { userId, seq } = claims;
    const known = this.activeSeen.get(userId);
    if (known?.seq === seq && known.until >= until) return;
    const seen = { userId, seq, until };
    this.activeSeen.set(userId, seen);
    this.activePending.set(userId, seen);
  }

  /** Admitted users' activity since the last flush. */
  takeActivePending(): ActiveSeen[] {
    const pending = [...this.activePending.values()].filter(
      (place) => !this.revoked.has(place.seq) && !this.dropped.has(place.seq),
    );
    this.activePending = new Map();
    return pending;
  }

  /**
   * When this admitted user loses the slot unless they act, if that is within the warning
   * time; undefined otherwise (or when this process saw them act since the tick's reading).
   */
  idleDeadline(claims: SignedPlace): number | undefined {
    const deadline = this.idleDeadlines.get(claims.seq);
    if (deadline === undefined) return undefined;
    const local = this.activeSeen.get(claims.userId);
    const activeIdleMs = this.settings.activeIdleMs ?? 0;
    if (local?.seq === claims.seq && local.until + activeIdleMs > deadline) return undefined;
    return deadline;
  }

  see(place: SignedPlace, now: number): void {
    // A waiter polls again and again with the same place: move its time, don't copy it anew
    // (a check is answered from memory; an object per check was most of its garbage).
    const known = this.seen.get(place.userId);
    if (known !== undefined && known.seq === place.seq && known.issuedAt === place.issuedAt) known.at = now;
    else this.seen.set(place.userId, { ...place, at: now });
    this.pending.set(place.userId, place);
  }

  /** When the tick that moved the boundary past seq ran: the first record with boundary ≥ seq. */
  private admittedAt(seq: number): number | undefined {
    const timeline = this.timeline;
    let lo = 0;
    let hi = timeline.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (timeline[mid]!.boundary < seq) lo = mid + 1;
      else hi = mid;
    }
    return timeline[lo]?.at;
  }

  private prune(now: number): void {
    const { activeTtlMs, rateWindowMs, tickMs, idleTimeoutMs } = this.settings;
    const keepFrom = now - Math.max(activeTtlMs, rateWindowMs) - tickMs;
    for (const [at, record] of this.history) {
      if (at > keepFrom) continue;
      this.history.delete(at);
      this.oldBoundary = Math.max(this.oldBoundary, record.boundary);
    }
    for (const seq of this.dropped) if (seq <= this.oldBoundary) this.dropped.delete(seq);
    for (const [seq, at] of this.revoked) if (at + activeTtlMs < now) this.revoked.delete(seq);
    // Every read of `seen` judges staleness itself, so this sweep only frees memory: with
    // 100,000 waiters, walking them every tick cost a sixth of a busy server's time.
    if (now >= this.nextSeenSweep) {
      this.nextSeenSweep = now + Math.max(tickMs, idleTimeoutMs / 4);
      for (const [userId, place] of this.seen) {
        if (place.at + idleTimeoutMs <= now || place.seq <= this.boundary) this.seen.delete(userId);
      }
    }
    const activeIdleMs = this.settings.activeIdleMs ?? 0;
    for (const [userId, seen] of this.activeSeen) {
      if (seen.until + activeIdleMs <= now || this.dropped.has(seen.seq)) this.activeSeen.delete(userId);
    }
  }
}
