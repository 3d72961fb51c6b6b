import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProofOfWork } from '../../src/modules/pow/pow.js';
import { search, sha256Hex } from '../../web/fan/pow/sha256.js';

/** The fan page's own SHA-256 (web/fan/pow, run in a Web Worker) against node:crypto and the server's check. */
describe('the proof-of-work solver of the fan page', () => {
  it('hashes like node:crypto for every length around the block boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const text = 'x'.repeat(length);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'latin1').digest('hex'));
      }),
    );
  });

  it('finds nonces the server accepts, and the first one there is', () => {
    const pow = createProofOfWork('a-secret-for-the-test', 120_000);
    const now = Date.now();
    for (const difficulty of [1, 8, 12]) {
      for (let i = 0; i < 5; i++) {
        const { challenge } = pow.issue(difficulty, now);
        const nonce = search(`${challenge}:`, difficulty, 0, 1 << 24);
        expect(nonce).toBeGreaterThanOrEqual(0);
        expect(pow.check(`${challenge}:${nonce}`, difficulty, now)).toMatchObject({ ok: true });
        // No smaller nonce solves it: the search really checks each one.
        if (nonce > 0) expect(search(`${challenge}:`, difficulty, 0, nonce)).toBe(-1);
      }
    }
    // A nonce that does not solve it is refused by the server: the solver is what makes it pass.
    let challenge = '';
    do challenge = pow.issue(12, now).challenge;
    while (search(`${challenge}:`, 12, 0, 1) === 0);
    expect(pow.check(`${challenge}:0`, 12, now)).toMatchObject({ ok: false, reason: 'wrong' });
  });
});
