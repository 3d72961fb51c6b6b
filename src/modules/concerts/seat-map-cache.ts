import type { StoredSeatMap } from './concerts.repository.js';

/**
 * Seat maps as loaded, each tagged with the schedule's seat version it was loaded
 * under (read before loading). An entry serves only while that version is still
 * current, so it is never older than the last write a client could know of.
 * `maxAgeMs` bounds the damage should a version bump ever be lost.
 */
export class SeatMapCache {
  private readonly entries = new Map<
    number,
    { version: number; loadedAt: number; map: Promise<StoredSeatMap | undefined> }
  >();
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
    if (entry && entry.version === version && now - entry.loadedAt < this.maxAgeMs) {
      this.hits += 1;
      return entry.map;
    }
    this.misses += 1;
    const map = load();
    this.entries.set(scheduleId, { version, loadedAt: now, map });
    map.catch(() => {
      if (this.entries.get(scheduleId)?.map === map) this.entries.delete(scheduleId);
    });
    return map;
  }

  /** This process changed the schedule's seats: the next read loads. */
  invalidate(scheduleId: number): void {
    this.entries.delete(scheduleId);
  }

  stats() {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
