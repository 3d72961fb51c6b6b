import { RankIndex } from './rank-index.js';

/**
 * Live waiters' seqs in line order, for the memory store: rank, k-th and removal in
 * O(log n). Seqs arrive in increasing order (appended); an older seq put back after a
 * restart is rare and rebuilds the index, as does compaction when most slots are dead.
 */
export class SeqOrder {
  private seqs: number[] = [];
  private index = new Map<number, number>();
  private alive = new RankIndex();

  get size(): number {
    return this.alive.size;
  }

  has(seq: number): boolean {
    return this.index.has(seq);
  }

  add(seq: number): void {
    if (this.index.has(seq)) return;
    const last = this.seqs.at(-1);
    if (last !== undefined && seq < last) {
      this.rebuild([...this.live(), seq].sort((a, b) => a - b));
      return;
    }
    this.seqs.push(seq);
    this.index.set(seq, this.seqs.length);
    this.alive.add(this.seqs.length);
  }

  remove(seq: number): void {
    const at = this.index.get(seq);
    if (at === undefined) return;
    this.index.delete(seq);
    this.alive.remove(at);
    const dead = this.seqs.length - this.alive.size;
    if (dead > 1024 && dead > this.alive.size) this.rebuild([...this.live()]);
  }

  /** How many live seqs are ≤ seq. */
  rank(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.alive.rank(lo);
  }

  /** The k-th live seq (1-based). */
  select(k: number): number | undefined {
    const at = this.alive.select(k);
    return at === 0 ? undefined : this.seqs[at - 1];
  }

  private *live(): Generator<number> {
    for (const seq of this.seqs) if (this.index.has(seq)) yield seq;
  }

  private rebuild(sorted: number[]): void {
    this.seqs = sorted;
    this.index = new Map(sorted.map((seq, i) => [seq, i + 1]));
    this.alive = new RankIndex();
    for (let i = 1; i <= sorted.length; i++) this.alive.add(i);
  }
}
