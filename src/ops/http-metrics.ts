import { Counter, Histogram, type Registry } from 'prom-client';

type Labels = { route: string; method: string; status_class: string };

interface Series {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly buckets: number[];
}

export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `stagedoor_http_requests_total` and `stagedoor_http_request_duration_seconds`, recorded at the
 * cost of a few number writes per request (issue 10). prom-client's own `inc(labels)` and
 * `observe(labels, v)` validate the labels, hash them to a string and allocate per call, which at
 * tens of thousands of requests per second cost more than a queue check. Here a request finds its
 * series (route → method → status class, created once) and counts in plain numbers; the two
 * prom-client metrics (same names, help, labels and buckets as before) take the totals at scrape,
 * in their `collect`, so the exposition, the cluster aggregation and the tests see no difference.
 */
export function createHttpMetrics(registers: Registry[]) {
  const bounds = HTTP_DURATION_BUCKETS;
  const byRoute = new Map<string, Map<string, Series[]>>();
  const all: Series[] = [];

  const seriesOf = (route: string, method: string, status: number): Series => {
    let byMethod = byRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      byRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = [];
      byMethod.set(method, byStatus);
    }
    const index = Math.floor(status / 100);
    let series = byStatus[index];
    if (series === undefined) {
      series = {
        labels: { route, method, status_class: statusClass(status) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(bounds.length + 1).fill(0),
      };
      byStatus[index] = series;
      all.push(series);
    }
    return series;
  };

  const requests = new Counter({
    name: 'stagedoor_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status class (2xx..5xx).',
    labelNames: ['route', 'method', 'status_class'] as const,
    registers,
    collect() {
      this.reset();
      for (const series of all) this.inc(series.labels, series.count);
    },
  });
  const duration = new Histogram({
    name: 'stagedoor_http_request_duration_seconds',
    help: 'Time from the request arriving to the response being sent, by route template, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: bounds,
    registers,
    collect() {
      // prom-client has no public way to set a histogram's buckets: its export reads every entry
      // of `hashMap` ({ labels, bucketValues by upper bound, sum, count }), which is filled here
      // from the series. Nothing else observes this histogram. (test/ops/metrics.test.ts reads
      // the buckets, the sum and the count back from a scrape.)
      const hashMap: Record<string, unknown> = {};
      all.forEach((series, i) => {
        const bucketValues: Record<number, number> = {};
        bounds.forEach((bound, b) => {
          bucketValues[bound] = series.buckets[b]!;
        });
        hashMap[i] = { labels: series.labels, bucketValues, sum: series.sum, count: series.count };
      });
      (this as unknown as { hashMap: Record<string, unknown> }).hashMap = hashMap;
    },
  });

  return {
    requests,
    duration,
    /** One answered request: its route template ('unmatched' for none), method, status and time. */
    record(route: string, method: string, status: number, seconds: number): void {
      const series = seriesOf(route, method, status);
      series.count += 1;
      series.sum += seconds;
      let bucket = 0;
      while (bucket < bounds.length && seconds > bounds[bucket]!) bucket += 1;
      series.buckets[bucket]! += 1;
    },
  };
}
