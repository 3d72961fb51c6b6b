/**
 * Where the waiting room's shared state lives. Two adapters: memory (one process,
 * the embedded default) and Redis / Redis Cluster (many processes, atomic Lua
 * scripts). Both pass the same contract tests (test/modules/queue/queue-store.contract.test.ts).
 *
 * "The token carries the place": a user's arrival sequence, issue time and (once
 * admitted) admission expiry are signed into the token. The store keeps only what
 * must be shared: the waiting line of live waiters (for admission), their liveness,
 * the active set (for the cap), the admission boundary and history, and the seqs
 * dropped for idleness. Every operation takes the room: its keys never mix rooms.
 */
export interface QueueSettings {
  /** Users moved from waiting to active per tick, at most. */
  readonly admitPerTick: number;
  /** Users active at once, at most; also how many places the per-tick state holds exactly. */
  readonly maxActive: number;
  readonly tickMs: number;
  /** A waiter who has not issued or checked for this long loses the place. */
  readonly idleTimeoutMs: number;
  /** An active token lasts this long after admission. */
  readonly activeTtlMs: number;
  /** Admissions in this trailing window give the admission rate. */
  readonly rateWindowMs: number;
  /**
   * An active user with no activity for this long loses the slot before `activeTtlMs`
   * (0 or absent: never). A live hold counts as activity until it ends.
   */
  readonly activeIdleMs?: number;
}

/** How long before an idle active user's deadline the stream warns: a quarter of the window, at most 30 s. */
export function idleWarningMs(settings: QueueSettings): number {
  return Math.min(30_000, Math.floor((settings.activeIdleMs ?? 0) / 4));
}

/** An admitted user's activity, batched per tick: busy until `until` (now, or a live hold's end). */
export interface ActiveSeen {
  readonly userId: number;
  readonly seq: number;
  readonly until: number;
}

/** A user's place as the store knows it; the token signs the same numbers. */
export type Placement =
  | { readonly state: 'WAITING'; readonly seq: number; readonly issuedAt: number; readonly position: number }
  | {
      readonly state: 'ACTIVE';
      readonly seq: number;
      readonly issuedAt: number;
      readonly activeUntil: number;
    };

/** A place claimed by a signed token, for putting a returning user back after a store loss. */
export interface SignedPlace {
  readonly userId: number;
  readonly seq: number;
  readonly issuedAt: number;
}

/** One admission tick, as recorded for everyone: when, how many, and the boundary after it. */
export interface AdmissionRecord {
  readonly at: number;
  readonly admitted: number;
  readonly dropped: number;
  /** Every live waiter with a seq ≤ boundary has been admitted by now. */
  readonly boundary: number;
}

/**
 * The per-tick state a process reads once per tick (one store command) and answers
 * every check and gate from until the next tick.
 */
export interface RoomState {
  /** Changes when the store lost its data and started afresh. */
  readonly epoch: string;
  readonly builtAt: number;
  readonly boundary: number;
  /** Every seq ≤ this was admitted (or dropped) longer ago than the history keeps: dead. */
  readonly oldBoundary: number;
  /** The arrival counter when the state was built. */
  readonly maxSeq: number;
  readonly waiting: number;
  /** Live waiters sampled in line order: exact for the first `maxActive` places, then every ~1%. */
  readonly ranks: readonly number[];
  readonly seqs: readonly number[];
  /** Admission ticks within the kept window, oldest first. */
  readonly history: readonly AdmissionRecord[];
  /** Seqs ended early at or after the asked time: idle waiters, and idle admitted users whose slot was freed. */
  readonly dropped: readonly { seq: number; at: number }[];
  /** Admitted users who will lose their slot for idleness soon (within the warning time): seq → deadline. */
  readonly idleDeadlines: readonly { seq: number; deadline: number }[];
}

export interface AdmitHints {
  /** The highest seq this process has seen: the arrival counter never goes below it. */
  readonly floorSeq: number;
  /** The boundary this process knows: a store that lost its data resumes from it. */
  readonly floorBoundary: number;
  /** This room's own limits (a sale's live controls); the settings' when absent. */
  readonly admitPerTick?: number;
  readonly maxActive?: number;
}

export interface AdmitResult {
  /** False when another process already ran this tick's time slot. */
  readonly ran: boolean;
  readonly admitted: number;
  readonly expired: number;
  readonly abandoned: number;
  /** Active slots freed because their users stopped acting (QUEUE_ACTIVE_IDLE_SECONDS). */
  readonly released: number;
}

export interface QueueStore {
  /** True when this process sees every check (one process, memory): it may judge idleness itself. */
  readonly localLiveness?: boolean;
  /**
   * The user's live place, refreshed; else the signed place `claim` (a returning user
   * after a store loss) when it is still valid; else a new place at the back.
   */
  issue(room: string, userId: number, now: number, claim?: SignedPlace): Promise<Placement>;
  /**
   * Liveness, batched per tick: marks these waiters as seen, putting back any the store lost;
   * and these admitted users as busy until their `until` (never moved back).
   */
  touch(
    room: string,
    seen: readonly SignedPlace[],
    now: number,
    active?: readonly ActiveSeen[],
  ): Promise<number>;
  /**
   * One admission tick: drop expired actives, idle waiters and idle actives, admit the
   * earliest waiters into the free slots, rebuild the state.
   */
  admit(room: string, now: number, hints: AdmitHints): Promise<AdmitResult>;
  /** The per-tick state, with the seqs dropped at or after `droppedSince`; `null` before the first tick. */
  view(room: string, droppedSince: number): Promise<RoomState | null>;
  /** When the waiter at this place was last seen (liveness as flushed), or null when it is not waiting. */
  lastSeen(room: string, userId: number, seq: number): Promise<number | null>;
  /** Ends the place at once (after a payment), freeing its active slot. */
  expire(room: string, userId: number, seq: number): Promise<boolean>;
  /** Sizes of a room (the default room when none is named). */
  counts(room?: string): Promise<{ waiting: number; active: number }>;
  /** Readiness: throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The arrival counter of a fresh store starts from the clock, so it never restarts below a seq in use. */
export const freshCounter = (now: number) => now * 1000;

/** Ranks sampled beyond the exact head: each step at most 1% of the rank, so interpolation errs ≤ 1%. */
export function nextSampleRank(rank: number): number {
  return Math.max(rank + 1, Math.floor(rank * 1.01));
}

/** How long admission records (and so admission times of waiting tokens) are kept. */
export const historyWindow = (s: QueueSettings) => Math.max(s.activeTtlMs, s.rateWindowMs) + s.tickMs;
