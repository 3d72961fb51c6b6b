/**
 * Counts present sequence numbers below a given one in O(log n) (a Fenwick tree
 * that doubles when a larger number arrives), so a waiter's position is its rank
 * without walking the queue.
 */
export class RankIndex {
  private tree = new Int32Array(1024);
  private present = new Uint8Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(seq: number): void {
    while (seq >= this.present.length) this.grow();
    if (this.present[seq] === 1) return;
    this.present[seq] = 1;
    this.count += 1;
    this.update(seq, 1);
  }

  remove(seq: number): void {
    if (seq >= this.present.length || this.present[seq] !== 1) return;
    this.present[seq] = 0;
    this.count -= 1;
    this.update(seq, -1);
  }

  /** How many present numbers are ≤ seq. */
  rank(seq: number): number {
    let sum = 0;
    for (let i = Math.min(seq, this.tree.length - 1); i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  /** The k-th present number (1-based), or 0 when fewer than k are present. */
  select(k: number): number {
    if (k < 1 || k > this.count) return 0;
    let pos = 0;
    for (let step = this.tree.length >> 1; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && this.tree[next]! < k) {
        pos = next;
        k -= this.tree[next]!;
      }
    }
    return pos + 1;
  }

  private update(seq: number, delta: number): void {
    for (let i = seq; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
  }

  private grow(): void {
    const present = new Uint8Array(this.present.length * 2);
    present.set(this.present);
    this.present = present;
    // Rebuild in O(n): each node passes its sum on to its parent.
    const tree = new Int32Array(present.length);
    for (let i = 1; i < tree.length; i++) {
      tree[i]! += present[i]!;
      const parent = i + (i & -i);
      if (parent < tree.length) tree[parent]! += tree[i]!;
    }
    this.tree = tree;
  }
}
