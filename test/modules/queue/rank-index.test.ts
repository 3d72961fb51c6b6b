import { describe, expect, it } from 'vitest';
import { RankIndex } from '../../../src/modules/queue/rank-index.js';

describe('RankIndex', () => {
  it('agrees with a naive count through growth and removals', () => {
    const index = new RankIndex();
    const present = new Set<number>();
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let seq = 1; seq <= 5000; seq++) {
      index.add(seq);
      present.add(seq);
      if (random() % 3 === 0) {
        const victim = (random() % seq) + 1;
        index.remove(victim);
        present.delete(victim);
      }
    }
    expect(index.size).toBe(present.size);
    for (const probe of [1, 17, 1023, 1024, 1025, 2048, 4999, 5000, 9000]) {
      const naive = [...present].filter((seq) => seq <= probe).length;
      expect(index.rank(probe)).toBe(naive);
    }
  });
});
