import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  commitmentOf,
  entrantHash,
  type FairnessRecord,
  fairDraw,
  verifyFairness,
} from '../../../src/modules/rooms/fairness.js';
import { chiSquareP } from '../../helpers/chi-square.js';

const hex = () => randomBytes(32).toString('hex');

function record(count: number): FairnessRecord {
  const secret = hex();
  const hashes = Array.from({ length: count }, (_, i) => entrantHash(randomBytes(16).toString('hex'), i + 1));
  const drawn = fairDraw(secret, hashes);
  return { commitment: commitmentOf(secret), secret, ...drawn };
}

const flip = (value: string) => `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;

describe('the verifiable draw', () => {
  it('verifies an honest record', () => {
    expect(verifyFairness(record(25))).toEqual([]);
  });

  it('fails when any input is altered', () => {
    const honest = record(25);
    const tampered: [string, FairnessRecord][] = [
      ['commitment', { ...honest, commitment: flip(honest.commitment) }],
      ['secret', { ...honest, secret: flip(honest.secret) }],
      ['seed', { ...honest, seed: flip(honest.seed) }],
      ['entrantsDigest', { ...honest, entrantsDigest: flip(honest.entrantsDigest) }],
      ['orderDigest', { ...honest, orderDigest: flip(honest.orderDigest) }],
      ['an entrant replaced', { ...honest, entrants: [...honest.entrants.slice(1), 'f'.repeat(64)] }],
      ['an entrant dropped', { ...honest, entrants: honest.entrants.slice(1) }],
      ['an entrant added', { ...honest, entrants: [...honest.entrants, 'f'.repeat(64)] }],
      ['entrants reordered', { ...honest, entrants: [...honest.entrants].reverse() }],
    ];
    for (const [what, altered] of tampered) {
      expect(verifyFairness(altered), what).not.toEqual([]);
    }
  });

  it('lets a fan find their own entry: SHA-256("<salt>:<userId>")', () => {
    const salt = randomBytes(16).toString('hex');
    const mine = entrantHash(salt, 42);
    expect(mine).not.toBe(entrantHash(salt, 43));
    expect(mine).not.toBe(entrantHash(randomBytes(16).toString('hex'), 42));
    const drawn = fairDraw(hex(), [mine, entrantHash('x', 1), entrantHash('y', 2)]);
    expect(drawn.order).toContain(mine);
  });

  it('stays uniform with the derived seed (χ² over every order of 4, p > 0.001)', () => {
    const hashes = [1, 2, 3, 4].map((userId) => entrantHash('salt', userId));
    const draws = 24_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const key = fairDraw(hex(), hashes)
        .order.map((h) => hashes.indexOf(h))
        .join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    expect(chiSquareP([...counts.values()], draws / 24)).toBeGreaterThan(0.001);
  });
});
