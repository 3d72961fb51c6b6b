import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scrape, valueIn } from '../helpers/metrics.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The shed answer's shape, on `shed` when the caller already holds one: event-loop shedding lasts
 * one sample interval (1 s), which a starved test process on a busy CI machine can outlive
 * between two requests.
 */
async function expectShed(t: TestApp, code: string, retryAfter: string, shed?: LightMyRequestResponse) {
  const response = shed ?? (await t.app.inject({ method: 'GET', url: '/concerts' }));
  expect(response.statusCode).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['retry-after']).toBe(retryAfter);
  expect(response.json()).toMatchObject({ status: 503, code, requestId: response.headers['x-request-id'] });
  // The probes and the scrape keep answering.
  expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(metrics.statusCode).toBe(200);
  expect(valueIn(await scrape(t), 'stagedoor_http_unavailable_total', { code })).toBeGreaterThanOrEqual(1);
}

describe('load shedding', () => {
  it('answers 503 OVERLOADED past the heap limit', async () => {
    const t = await createTestApp({ env: { SHED_MAX_HEAP_USED_MB: '1' } }); // any live heap is more
    try {
      await sleep(1_200); // the plugin samples memory once a second
      await expectShed(t, 'OVERLOADED', '2');
    } finally {
      await t.close();
    }
  });

  it('answers 503 OVERLOADED while the event loop lags, and serves again when it recovers', async () => {
    const t = await createTestApp({ env: { SHED_MAX_EVENT_LOOP_DELAY_MS: '20' } });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/concerts' })).statusCode).toBe(200);
      const until = Date.now() + 3_000;
      while (Date.now() < until); // block the loop: one 3 s delay among a second's samples
      // The overdue sample runs once the loop is free; on a busy machine that may take a moment.
      let shed: LightMyRequestResponse | undefined;
      for (let i = 0; i < 60 && !shed; i++) {
        const response = await t.app.inject({ method: 'GET', url: '/concerts' });
        if (response.statusCode === 503) shed = response;
        else await sleep(50);
      }
      await expectShed(t, 'OVERLOADED', '2', shed);
      let status = 503;
      for (let i = 0; i < 40 && status === 503; i++) {
        await sleep(250);
        status = (await t.app.inject({ method: 'GET', url: '/concerts' })).statusCode;
      }
      expect(status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers 503 STORE_UNAVAILABLE when PostgreSQL stops answering', async () => {
    const t = await createTestApp({ env: { SHED_HEALTH_CHECK_INTERVAL_MS: '50' } });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/concerts' })).statusCode).toBe(200);
      await t.database.close(); // the pool is gone: every statement fails
      let status = 200;
      for (let i = 0; i < 40 && status !== 503; i++) {
        await sleep(50);
        status = (await t.app.inject({ method: 'GET', url: '/concerts' })).statusCode;
      }
      await expectShed(t, 'STORE_UNAVAILABLE', '5');
      expect(valueIn(await scrape(t), 'stagedoor_store_errors_total', { store: 'postgres' })).toBeGreaterThan(
        0,
      );
    } finally {
      await t.close();
    }
  });
});
