import { createHash } from 'node:crypto';

/**
 * The opening's shuffle, deterministic given its seed, so anyone holding the seed and the
 * entrant list can replay it (`npm run verify-lottery`; how the seed is derived: fairness.ts):
 *
 * 1. entrants in canonical order (ascending: the entrants' hashes, sorted);
 * 2. a stream of 32-bit words: SHA-256(seed bytes ‖ counter as 8 bytes big-endian), counter
 *    = 0, 1, 2, … , each digest read as eight big-endian words;
 * 3. Fisher–Yates from the back: for i = n−1 … 1, j = uniform(0..i) by rejection sampling
 *    (words ≥ ⌊2³²/(i+1)⌋·(i+1) are skipped, so every j is exactly equally likely); swap i, j.
 *
 * The order digest is SHA-256 (hex) of the ordered entrants joined by ",".
 */
export function drawOrder<T extends string | number>(entrants: readonly T[], seedHex: string): T[] {
  const order = [...entrants];
  const words = wordStream(seedHex);
  for (let i = order.length - 1; i > 0; i--) {
    const j = uniform(words, i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}

export const orderDigest = (order: readonly (string | number)[]) =>
  createHash('sha256').update(order.join(',')).digest('hex');

/** Canonical order of numeric entrants: ascending. */
export const canonical = (userIds: readonly number[]) => [...userIds].sort((a, b) => a - b);

function wordStream(seedHex: string): () => number {
  const seed = Buffer.from(seedHex, 'hex');
  const counter = Buffer.alloc(8);
  let block = Buffer.alloc(0);
  let offset = 0;
  let n = 0n;
  return () => {
    if (offset >= block.length) {
      counter.writeBigUInt64BE(n++);
      block = createHash('sha256').update(seed).update(counter).digest();
      offset = 0;
    }
    const word = block.readUInt32BE(offset);
    offset += 4;
    return word;
  };
}

function uniform(words: () => number, bound: number): number {
  const limit = Math.floor(2 ** 32 / bound) * bound;
  for (;;) {
    const word = words();
    if (word < limit) return word % bound;
  }
}
