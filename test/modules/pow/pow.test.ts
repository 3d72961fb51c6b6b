import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadingZeroBits, solve } from '../../../src/modules/pow/pow.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

describe('proof-of-work on joining (QUEUE_POW_DIFFICULTY=8)', () => {
  let t: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { QUEUE_POW_DIFFICULTY: '8' } });
    off = await createTestApp({ database: t.database });
  });
  afterAll(async () => {
    await off.close();
    await t.close();
  });
  const challenge = async (app = t) =>
    (await app.app.inject({ method: 'GET', url: '/waiting/challenge' })).json();
  const issue = (proof?: string, url = '/waiting/issue') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: proof ? { 'x-queue-proof': proof } : {},
      payload: { userId: 61 },
    });

  it('asks for a proof (428), accepts a solution once, refuses forged, wrong and expired ones (400)', async () => {
    const missing = await issue();
    expect(missing.statusCode).toBe(428);
    expect(missing.json().code).toBe('PROOF_REQUIRED');
    const { challenge: text, difficulty, required } = await challenge();
    expect({ difficulty, required }).toEqual({ difficulty: 8, required: true });
    const proof = solve(text, difficulty);
    expect((await issue(proof)).statusCode).toBe(200);
    const again = await issue(proof);
    expect(again.statusCode).toBe(400);
    expect(again.json().code).toBe('PROOF_INVALID');
    expect(again.json().detail).toMatch(/used already/);

    const fresh = (await challenge()).challenge as string;
    const forged = `${fresh.slice(0, -3)}AAA`;
    expect((await issue(solve(forged, 8))).json().code).toBe('PROOF_INVALID');
    // A nonce that does not solve it: the first whose hash lacks the zero bits.
    let nonce = 0;
    while (leadingZeroBits(createHash('sha256').update(`${fresh}:${nonce}`).digest()) >= 8) nonce += 1;
    expect((await issue(`${fresh}:${nonce}`)).json().detail).toMatch(/wrong/);
    // The v1 twin asks too.
    expect((await issue(undefined, '/v1/api/queue/token')).statusCode).toBe(428);
    // Expired: two minutes later.
    const late = (await challenge()).challenge as string;
    t.clock.advance(121_000);
    expect((await issue(solve(late, 8))).json().detail).toMatch(/expired/);
  });

  it('asks nothing with difficulty 0 (the default)', async () => {
    const issued = await off.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 62 } });
    expect(issued.statusCode).toBe(200);
    expect((await challenge(off)).required).toBe(false);
  });
});
