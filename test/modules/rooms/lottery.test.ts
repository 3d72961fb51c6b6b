import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonical, drawOrder, orderDigest } from '../../../src/modules/rooms/lottery.js';
import { chiSquareP } from '../../helpers/chi-square.js';

const seed = () => randomBytes(32).toString('hex');

describe('the opening draw', () => {
  it('replays: the same seed and entrants give the same order, another seed another order', () => {
    const entrants = canonical([9, 3, 27, 1, 14, 8, 100, 55, 2, 31]);
    const s = seed();
    const order = drawOrder(entrants, s);
    expect(drawOrder(entrants, s)).toEqual(order);
    expect([...order].sort((a, b) => a - b)).toEqual(entrants);
    expect(orderDigest(drawOrder(entrants, s))).toBe(orderDigest(order));
    const others = new Set(Array.from({ length: 20 }, () => orderDigest(drawOrder(entrants, seed()))));
    expect(others.size).toBeGreaterThan(15);
  });

  it('draws every order of 4 entrants equally often (χ², p > 0.001)', () => {
    const draws = 24_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const key = drawOrder([1, 2, 3, 4], seed()).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const p = chiSquareP([...counts.values()], draws / 24);
    expect(p).toBeGreaterThan(0.001);
  });

  it('puts each of 50 entrants at each place equally often (χ² per entrant over places, p > 0.001)', () => {
    const n = 50;
    const draws = 5_000;
    const firstPlaceOf = new Array<number>(n).fill(0);
    const placeOfFirst = new Array<number>(n).fill(0);
    const entrants = Array.from({ length: n }, (_, i) => i + 1);
    for (let i = 0; i < draws; i++) {
      const order = drawOrder(entrants, seed());
      firstPlaceOf[order[0]! - 1]! += 1;
      placeOfFirst[order.indexOf(1)]! += 1;
    }
    expect(chiSquareP(firstPlaceOf, draws / n)).toBeGreaterThan(0.001);
    expect(chiSquareP(placeOfFirst, draws / n)).toBeGreaterThan(0.001);
  });

  it('χ² detects a biased draw (the test can fail)', () => {
    // The classic mistake: swapping with any index, not only 0..i, is not uniform.
    const draws = 24_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const order = [1, 2, 3, 4];
      for (let k = order.length - 1; k > 0; k--) {
        const j = Math.floor(Math.random() * order.length);
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
      const key = order.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const cells = Array.from({ length: 24 }, (_, i) => [...counts.values()][i] ?? 0);
    expect(chiSquareP(cells, draws / 24)).toBeLessThan(0.001);
  });
});
