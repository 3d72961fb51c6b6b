/**
 * Where the waiting room's state lives. Two adapters: memory (one process, the
 * embedded default) and Redis (shared by many processes, atomic Lua scripts).
 * Both pass the same contract tests (test/modules/queue/queue-store.contract.ts).
 */
export interface QueueSettings {
  /** Users moved from waiting to active per tick, at most. */
  readonly admitPerTick: number;
  /** Users active at once, at most. */
  readonly maxActive: number;
  readonly tickMs: number;
  /** A waiter who has not issued or checked for this long loses the place. */
  readonly idleTimeoutMs: number;
  /** An active token lasts this long after admission. */
  readonly activeTtlMs: number;
  /** Admissions in this trailing window give the admission rate. */
  readonly rateWindowMs: number;
}

export type QueueEntry =
  | {
      readonly state: 'WAITING';
      readonly tokenId: string;
      readonly position: number;
      readonly expiresAt: number;
    }
  | { readonly state: 'ACTIVE'; readonly tokenId: string; readonly expiresAt: number };

export interface QueueView {
  /** `null` when the token is not (or no longer) the user's live token. */
  readonly entry: QueueEntry | null;
  /** Users admitted per second over the trailing window; `null` while unknown. */
  readonly admissionRate: number | null;
}

export interface AdmitResult {
  /** False when another process already ran this tick's time slot. */
  readonly ran: boolean;
  readonly admitted: number;
  readonly expired: number;
  readonly abandoned: number;
}

export interface QueueStore {
  /** The user's live entry, refreshed; or a new place at the back under `newTokenId`. */
  issue(userId: number, newTokenId: string, now: number): Promise<QueueView & { entry: QueueEntry }>;
  /** The entry if `tokenId` is the user's live token; marks a waiter as still there. */
  check(userId: number, tokenId: string, now: number): Promise<QueueView>;
  /** One admission tick: drop expired actives and idle waiters, then admit the earliest waiters. */
  admit(now: number): Promise<AdmitResult>;
  /** Ends the token at once (after a payment), freeing its active slot. */
  expire(userId: number, tokenId: string): Promise<boolean>;
  counts(): Promise<{ waiting: number; active: number }>;
  /** Readiness: throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Admissions over the trailing window, per second; `null` when none happened in it. */
export function admissionRate(
  admittedInWindow: number,
  firstAdmissionAt: number | undefined,
  now: number,
  settings: Pick<QueueSettings, 'tickMs' | 'rateWindowMs'>,
): number | null {
  if (admittedInWindow === 0 || firstAdmissionAt === undefined) return null;
  const spanMs = Math.min(settings.rateWindowMs, now - firstAdmissionAt + settings.tickMs);
  return (admittedInWindow * 1000) / Math.max(spanMs, settings.tickMs);
}
