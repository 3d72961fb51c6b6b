import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../../src/modules/wallet/charge-policy.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { ledgerMismatches, ledgerRows } from '../../helpers/ledger.js';
import { balance, charge, range } from '../../helpers/requests.js';

describe('balance and charges', () => {
  let t: TestApp;
  let tokens: Map<number, string>;
  beforeAll(async () => {
    t = await createTestApp();
    tokens = await t.activate(...range(1, 10));
  });
  afterAll(() => t.close());

  it('reads the balance behind the gate; 404 for an unknown user', async () => {
    expect((await balance(t, 1, tokens.get(1))).json()).toEqual({ userId: 1, amount: 50_000 });
    expect((await balance(t, 1)).statusCode).toBe(401);
    expect((await balance(t, 1, tokens.get(2))).statusCode).toBe(403);
  });

  it('charges, and replays a retry with the same key', async () => {
    const key = randomUUID();
    const first = await charge(t, 2, 50_000, tokens.get(2), key);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ userId: 2, amount: 100_000, charged: 50_000 });
    const retry = await charge(t, 2, 50_000, tokens.get(2), key);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await charge(t, 2, 60_000, tokens.get(2), key)).statusCode).toBe(422);
    expect((await balance(t, 2, tokens.get(2))).json().amount).toBe(100_000);
    expect(await ledgerRows(t.database, 2, 'CHARGE')).toBe(1);
  });

  it.each([
    ['a fraction', 1000.5, 'CHARGE_AMOUNT_INVALID'],
    ['zero', 0, 'CHARGE_AMOUNT_INVALID'],
    ['a negative amount', -5000, 'CHARGE_AMOUNT_INVALID'],
    ['an unsafe integer', 2 ** 60, 'CHARGE_AMOUNT_INVALID'],
    ['below the minimum', 999, 'CHARGE_BELOW_MINIMUM'],
    ['above the maximum', 1_000_001, 'CHARGE_ABOVE_MAXIMUM'],
    ['a string', '5000', 'VALIDATION_FAILED'],
    ['null', null, 'VALIDATION_FAILED'],
  ])('rejects %s with 400 and writes nothing', async (_, amount, code) => {
    const response = await charge(t, 3, amount, tokens.get(3));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe(code);
    expect(await ledgerRows(t.database, 3, 'CHARGE')).toBe(0);
  });

  it('rejects a charge with no Idempotency-Key, or by another user’s token', async () => {
    const noKey = await t.app.inject({
      method: 'PATCH',
      url: '/users/3/charge',
      headers: { 'x-queue-token': tokens.get(3)! },
      payload: { amount: 5000 },
    });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await charge(t, 3, 5000, tokens.get(4))).statusCode).toBe(403);
    expect((await charge(t, 3, 5000)).statusCode).toBe(401);
  });

  it('adds exactly 100 × 1,000 for 100 concurrent charges', async () => {
    const responses = await Promise.all(range(1, 100).map(() => charge(t, 5, 1000, tokens.get(5))));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect((await balance(t, 5, tokens.get(5))).json().amount).toBe(150_000);
    expect(await ledgerRows(t.database, 5, 'CHARGE')).toBe(100);
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('applies 100 concurrent retries of one charge once', async () => {
    const key = randomUUID();
    const responses = await Promise.all(range(1, 100).map(() => charge(t, 6, 7000, tokens.get(6), key)));
    const unexpected = responses.filter((r) => r.statusCode !== 200 && r.statusCode !== 409);
    expect(unexpected.map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
    for (const response of responses) {
      if (response.statusCode === 409) expect(response.json().code).toBe('IDEMPOTENCY_KEY_IN_USE');
      else expect(response.json()).toEqual({ userId: 6, amount: 57_000, charged: 7000 });
    }
    expect(responses.some((r) => r.statusCode === 200)).toBe(true);
    expect(await ledgerRows(t.database, 6, 'CHARGE')).toBe(1);
    expect((await balance(t, 6, tokens.get(6))).json().amount).toBe(57_000);
  });

  it('keeps the monthly limit under concurrent charges near it', async () => {
    // 2,500,000 first, then 10 concurrent 100,000s: only 5 fit under 3,000,000.
    for (const amount of [1_000_000, 1_000_000, 500_000]) {
      expect((await charge(t, 7, amount, tokens.get(7))).statusCode).toBe(200);
    }
    const responses = await Promise.all(range(1, 10).map(() => charge(t, 7, 100_000, tokens.get(7))));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    for (const refused of responses.filter((r) => r.statusCode === 400)) {
      expect(refused.json().code).toBe('MONTHLY_CHARGE_LIMIT_EXCEEDED');
    }
    expect((await balance(t, 7, tokens.get(7))).json().amount).toBe(50_000 + 3_000_000);
    expect(await ledgerMismatches(t.database)).toBe(0);
  });

  it('counts calendar months in Asia/Seoul', () => {
    expect(monthOf(new Date('2026-11-30T14:59:59Z'), 'Asia/Seoul')).toBe('2026-11');
    expect(monthOf(new Date('2026-11-30T15:00:00Z'), 'Asia/Seoul')).toBe('2026-12');
  });
});
