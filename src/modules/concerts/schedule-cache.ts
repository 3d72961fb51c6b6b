import type { Clock } from '../../clock.js';

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * A small in-process read-through cache with a short TTL. Concurrent misses for
 * one key share one load (no stampede at ticket opening). A process's own writes
 * invalidate at once; other processes' writes show within the TTL.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { loadedAt: number; value: Promise<V> }>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.loadedAt < this.ttlMs) {
      this.hits += 1;
      return entry.value;
    }
    this.misses += 1;
    const value = load();
    this.entries.set(key, { loadedAt: now, value });
    // A failed load is not cached.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  invalidate(key: K): void {
    this.entries.delete(key);
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
