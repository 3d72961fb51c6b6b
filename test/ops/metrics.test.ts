import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, metricValue } from '../../src/ops/metrics.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { declaredMetrics, parseMetrics, scrape, valueIn } from '../helpers/metrics.js';
import { charge, pay, reserve } from '../helpers/requests.js';

// Every stagedoor metric the issue asks for, including those whose feature is built elsewhere.
const STAGEDOOR_METRICS = [
  'stagedoor_http_requests_total',
  'stagedoor_http_request_duration_seconds',
  'stagedoor_http_unavailable_total',
  'stagedoor_http_rate_limited_total',
  'stagedoor_queue_waiting_users',
  'stagedoor_queue_prequeue_users',
  'stagedoor_queue_active_users',
  'stagedoor_queue_admitted_total',
  'stagedoor_queue_abandoned_total',
  'stagedoor_queue_expired_total',
  'stagedoor_queue_admission_rate_users_per_second',
  'stagedoor_queue_tick_duration_seconds',
  'stagedoor_queue_released_total',
  'stagedoor_queue_admission_rate_target',
  'stagedoor_queue_admission_decisions_total',
  'stagedoor_queue_paused',
  'stagedoor_sse_connections',
  'stagedoor_holds_total',
  'stagedoor_holds_expired_total',
  'stagedoor_payments_total',
  'stagedoor_payments_won_total',
  'stagedoor_refunds_total',
  'stagedoor_refunds_won_total',
  'stagedoor_charges_total',
  'stagedoor_charges_won_total',
  'stagedoor_idempotent_replays_total',
  'stagedoor_store_errors_total',
  'stagedoor_cache_hits_total',
  'stagedoor_cache_misses_total',
  'stagedoor_cache_entries',
  'stagedoor_sql_statements_total',
];

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is Prometheus text with the default runtime metrics and every stagedoor metric', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const declared = declaredMetrics(response.body);
    expect([...declared].filter((name) => name.startsWith('stagedoor_')).sort()).toEqual(
      [...STAGEDOOR_METRICS].sort(),
    );
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(declared).toContain(name);
    // Naming convention: counters end in _total, units are base units.
    for (const [, name, type] of response.body.matchAll(/^# TYPE (stagedoor_\S+) (\w+)$/gm)) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
    }
    parseMetrics(response.body); // every line parses
  });

  it('moves with a fan’s way through: queue, hold, charge, payment, replay', async () => {
    const before = await scrape(t);
    const userId = 31;
    const token = (await t.activate(userId)).get(userId)!;
    const held = await reserve(t, { userId, token, scheduleId: 2, seatNumber: 5 });
    expect(held.statusCode).toBe(201);
    const refused = await reserve(t, { userId, token, scheduleId: 2, seatNumber: 5 });
    expect(refused.statusCode).toBe(409);
    expect((await charge(t, userId, 50_000, token)).statusCode).toBe(200);
    const { reservationId, price } = held.json<{ reservationId: string; price: number }>();
    const paid = await pay(t, reservationId, price, token, 'pay-metrics-1');
    expect(paid.statusCode).toBe(201);
    expect((await pay(t, reservationId, price, token, 'pay-metrics-1')).headers['idempotent-replayed']).toBe(
      'true',
    );
    await t.app.inject({ method: 'GET', url: `/users/${userId}/amount?token=${token}` });

    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueIn(after, name, labels) - valueIn(before, name, labels);
    expect(delta('stagedoor_holds_total', { result: 'held' })).toBe(1);
    expect(delta('stagedoor_holds_total', { result: 'refused' })).toBe(1);
    expect(delta('stagedoor_charges_total', { result: 'charged' })).toBe(1);
    expect(delta('stagedoor_charges_won_total')).toBe(50_000);
    expect(delta('stagedoor_payments_total', { result: 'confirmed' })).toBe(1);
    expect(delta('stagedoor_payments_won_total')).toBe(price);
    expect(delta('stagedoor_idempotent_replays_total', { operation: 'payment' })).toBe(1);
    expect(
      delta('stagedoor_http_requests_total', { route: '/reservations', method: 'POST', status_class: '4xx' }),
    ).toBe(1);
    expect(
      delta('stagedoor_http_request_duration_seconds_count', {
        route: '/users/:userId/charge',
        method: 'PATCH',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(delta('stagedoor_sql_statements_total')).toBeGreaterThan(0);

    // Bounded labels: templates, never a user id, token or raw URL.
    const routes = new Set(after.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route!));
    for (const route of routes) expect(route).not.toMatch(/\/\d|\?|token=/);
    expect(routes).toContain('/users/:userId/amount');
    for (const sample of after) {
      for (const value of Object.values(sample.labels)) expect(value).not.toContain(token);
    }
  });

  it('reads the queue per room from the store, and cache counters from the caches', async () => {
    await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 90 } });
    await t.tick(); // the store learns of arrivals on the tick (issue and check are store-free)
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/concerts/1/schedules' });
    const samples = await scrape(t);
    const counts = await t.store.counts();
    expect(valueIn(samples, 'stagedoor_queue_waiting_users', { room: t.config.queueName })).toBe(
      counts.waiting,
    );
    expect(valueIn(samples, 'stagedoor_queue_active_users', { room: t.config.queueName })).toBe(
      counts.active,
    );
    expect(counts.waiting + counts.active).toBeGreaterThan(0);
    expect(valueIn(samples, 'stagedoor_cache_hits_total', { cache: 'schedules' })).toBeGreaterThanOrEqual(2);
    const unmatched = await t.app.inject({ method: 'GET', url: '/nothing/42' });
    expect(unmatched.statusCode).toBe(404);
    expect(
      valueIn(await scrape(t), 'stagedoor_http_requests_total', { route: 'unmatched', status_class: '4xx' }),
    ).toBe(1);
  });

  it('reads SSE connections from the queue module once it hands its count over', async () => {
    let open = 7;
    const metrics = createMetrics({
      room: t.config.queueName,
      rooms: () => [t.config.queueName],
      queueCounts: (room) => t.store.counts(room),
      preQueueSizes: async () => new Map(),
      paused: () => false,
      cacheStats: () => ({
        schedules: { hits: 0, misses: 0, size: 0 },
        seatMaps: { hits: 0, misses: 0, size: 0 },
      }),
      sqlStatements: () => t.database.queryCount(),
      admissionRate: () => 0,
      sseConnections: () => open,
    });
    expect(await metricValue(metrics.sse.connections, { room: t.config.queueName })).toBe(7);
    open = 2;
    expect(await metricValue(metrics.sse.connections, { room: t.config.queueName })).toBe(2);
  });

  it('/stats is a view of the same registry', async () => {
    const stats = (await t.app.inject({ method: 'GET', url: '/stats' })).json();
    const samples = await scrape(t);
    expect(stats.scheduleCache.hits).toBe(
      valueIn(samples, 'stagedoor_cache_hits_total', { cache: 'schedules' }),
    );
    expect(stats.queue.waiting).toBe(valueIn(samples, 'stagedoor_queue_waiting_users'));
  });
});

describe('metrics of the background jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      backgroundJobs: true,
      env: { QUEUE_TICK_MS: '20', HOLD_SWEEP_INTERVAL_MS: '20', HOLD_SECONDS: '60' },
    });
  });
  afterAll(() => t.close());

  async function until(check: (samples: Awaited<ReturnType<typeof scrape>>) => boolean) {
    for (let i = 0; i < 200; i++) {
      t.clock.advance(20); // a new admission slot for the next tick
      const samples = await scrape(t);
      if (check(samples)) return samples;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the metrics did not move within 5 s');
  }

  it('counts admissions, tick durations, the admission rate and holds that lapse unpaid', async () => {
    for (const userId of [41, 42, 43])
      await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId } });
    const admitted = await until(
      (s) => valueIn(s, 'stagedoor_queue_admitted_total', { room: t.config.queueName }) === 3,
    );
    expect(
      valueIn(admitted, 'stagedoor_queue_tick_duration_seconds_count', { room: t.config.queueName }),
    ).toBeGreaterThan(0);
    expect(
      valueIn(admitted, 'stagedoor_queue_admission_rate_users_per_second', { room: t.config.queueName }),
    ).toBeCloseTo(3 / 60);
    const check = await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 41 } });
    const token = check.json<{ token: string }>().token;
    expect((await reserve(t, { userId: 41, token, scheduleId: 3, seatNumber: 9 })).statusCode).toBe(201);
    t.clock.advance(61_000); // past the hold
    await until((s) => valueIn(s, 'stagedoor_holds_expired_total') === 1);
  });
});
