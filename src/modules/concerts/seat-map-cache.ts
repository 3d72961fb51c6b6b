import type { StoredSeat, StoredSeatMap } from './concerts.repository.js';

/** What a hold, payment, release or refund changes in one seat. */
export type SeatUpdate = Omit<StoredSeat, 'section' | 'label'>;

/** How long readers may join a load that has not finished yet. */
export const PENDING_SHARE_MS = 1_000;

interface Entry {
  version: number;
  loadedAt: number;
  map: Promise<StoredSeatMap | undefined>;
  /** Set once `map` has resolved. */
  loaded?: StoredSeatMap;
}

/**
 * Seat maps as loaded, each tagged with the schedule's seat version read *before*
 * loading; so an entry at version n holds every change whose version bump is ≤ n
 * (a bump follows its commit). An entry serves only while its version is current,
 * so it is never older than a write whose answer a client may have seen.
 * `maxAgeMs` bounds the damage should a version bump ever be lost.
 */
export class SeatMapCache {
  private readonly entries = new Map<number, Entry>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxAgeMs: number) {}

  get(
    scheduleId: number,
    version: number,
    now: number,
    load: () => Promise<StoredSeatMap | undefined>,
  ): Promise<StoredSeatMap | undefined> {
    const entry = this.entries.get(scheduleId);
    // A load still running is shared only while it is young: one that hangs (a query lost
    // in a PostgreSQL restart never settles; `npm run chaos` saw it) must not take every
    // later read of the schedule down with it until maxAgeMs.
    const usable = entry?.loaded !== undefined || now - (entry?.loadedAt ?? 0) < PENDING_SHARE_MS;
    if (entry && usable && entry.version === version && now - entry.loadedAt < this.maxAgeMs) {
      this.hits += 1;
      return entry.map;
    }
    this.misses += 1;
    const map = load();
    const fresh: Entry = { version, loadedAt: now, map };
    this.entries.set(scheduleId, fresh);
    map.then(
      (loaded) => {
        fresh.loaded = loaded;
      },
      () => {
        if (this.entries.get(scheduleId) === fresh) this.entries.delete(scheduleId);
      },
    );
    return map;
  }

  /**
   * The loaded map, whatever its version: good for facts that only grow. A seat held
   * (until its expiry) or sold stays so unless a release, refund or operator change
   * frees it; those record the version that freed it (`SeatVersions.lastFreed`), and
   * the caller trusts an old map's "taken" only if it is not older than that.
   */
  peek(scheduleId: number): StoredSeatMap | undefined {
    return this.entries.get(scheduleId)?.loaded;
  }

  /** The seat version the loaded map holds every change up to (undefined: nothing loaded). */
  versionOf(scheduleId: number): number | undefined {
    const entry = this.entries.get(scheduleId);
    return entry?.loaded ? entry.version : undefined;
  }

  /**
   * This process committed a change to one seat and bumped the version to `version`.
   * The change goes into the loaded map either way (see `peek`). If the entry was
   * exactly one version behind, no other change came in between and the entry moves
   * to `version`, so exact reads keep using it; otherwise it keeps its old version.
   */
  apply(scheduleId: number, version: number, seat: SeatUpdate): void {
    const entry = this.entries.get(scheduleId);
    if (!entry) return;
    if (!entry.loaded) {
      this.entries.delete(scheduleId); // still loading: what it will hold is unknown
      return;
    }
    const seats = entry.loaded.seats.map((s) => (s.seatNumber === seat.seatNumber ? { ...s, ...seat } : s));
    entry.loaded = { ...entry.loaded, seats };
    entry.map = Promise.resolve(entry.loaded);
    if (entry.version === version - 1) entry.version = version;
  }

  /** The loaded map proved out of date (a hold it showed free was taken): load afresh next time. */
  forget(scheduleId: number): void {
    if (this.entries.get(scheduleId)?.loaded) this.entries.delete(scheduleId);
  }

  stats() {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
