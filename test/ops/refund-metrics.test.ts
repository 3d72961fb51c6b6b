import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scrape, valueIn } from '../helpers/metrics.js';
import { buy, refund } from '../helpers/sales.js';

describe('refund metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('count refunds by result, the won credited back, and replays of a refund', async () => {
    const { token, reservationId, price } = await buy(t, 77, 2, 11);
    expect((await refund(t, reservationId, token, 'refund-77')).statusCode).toBe(200);
    expect((await refund(t, reservationId, token, 'refund-77')).statusCode).toBe(200); // replay
    expect((await refund(t, reservationId, token, 'refund-77-again')).statusCode).toBe(409); // ALREADY_REFUNDED
    const samples = await scrape(t);
    expect(valueIn(samples, 'stagedoor_refunds_total', { result: 'refunded' })).toBe(1);
    expect(valueIn(samples, 'stagedoor_refunds_total', { result: 'refused' })).toBe(1);
    expect(valueIn(samples, 'stagedoor_refunds_won_total')).toBe(price);
    expect(valueIn(samples, 'stagedoor_idempotent_replays_total', { operation: 'refund' })).toBe(1);
  });
});
