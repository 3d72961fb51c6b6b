import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHttpMetrics, HTTP_DURATION_BUCKETS } from '../../src/ops/http-metrics.js';

// The per-request recorder must expose exactly what prom-client's own inc/observe gave before.
describe('HTTP metrics recorder', () => {
  const observations: [string, string, number, number][] = [
    ['/waiting/check', 'GET', 200, 0.0004],
    ['/waiting/check', 'GET', 200, 0.001], // on a bound: counts in that bucket (le is ≤)
    ['/waiting/check', 'GET', 401, 0.003],
    ['/waiting/check', 'GET', 200, 12], // above every bound: +Inf only
    ['/waiting/issue', 'POST', 200, 0.02],
    ['/waiting/issue', 'POST', 503, 0.7],
    ['unmatched', 'GET', 404, 0.0001],
    ['/waiting/check', 'GET', 204, 0.06],
  ];

  it('exposes the same series, buckets, sums and counts as prom-client recording each request', async () => {
    const ours = new Registry();
    const recorder = createHttpMetrics([ours]);
    const reference = new Registry();
    const labelNames = ['route', 'method', 'status_class'] as const;
    const requests = new Counter({
      name: 'stagedoor_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status class (2xx..5xx).',
      labelNames,
      registers: [reference],
    });
    const duration = new Histogram({
      name: 'stagedoor_http_request_duration_seconds',
      help: 'Time from the request arriving to the response being sent, by route template, method and status class.',
      labelNames,
      buckets: HTTP_DURATION_BUCKETS,
      registers: [reference],
    });
    for (const [route, method, status, seconds] of observations) {
      recorder.record(route, method, status, seconds);
      const labels = { route, method, status_class: `${Math.floor(status / 100)}xx` };
      requests.inc(labels);
      duration.observe(labels, seconds);
    }
    const sorted = (text: string) => text.split('\n').sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await reference.metrics()));
    // And again after more requests: a scrape takes the running totals, it does not reset them.
    recorder.record('/waiting/check', 'GET', 200, 0.002);
    requests.inc({ route: '/waiting/check', method: 'GET', status_class: '2xx' });
    duration.observe({ route: '/waiting/check', method: 'GET', status_class: '2xx' }, 0.002);
    expect(sorted(await ours.metrics())).toEqual(sorted(await reference.metrics()));
    expect(await ours.metrics()).toMatch(
      /^stagedoor_http_request_duration_seconds_count\{route="\/waiting\/check",method="GET",status_class="2xx"\} 5$/m,
    );
  });

  it('adds up across workers like any prom-client metric (cluster aggregation reads the JSON)', async () => {
    const registry = new Registry();
    const recorder = createHttpMetrics([registry]);
    recorder.record('/health', 'GET', 200, 0.003);
    recorder.record('/health', 'GET', 200, 0.004);
    const json = await registry.getMetricsAsJSON();
    const count = json
      .find((m) => m.name === 'stagedoor_http_request_duration_seconds')
      ?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'));
    expect(count?.value).toBe(2);
    const total = json.find((m) => m.name === 'stagedoor_http_requests_total')?.values[0];
    expect(total).toMatchObject({
      value: 2,
      labels: { route: '/health', method: 'GET', status_class: '2xx' },
    });
  });
});
