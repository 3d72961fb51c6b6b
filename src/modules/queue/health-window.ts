import type { HealthSample } from './admission-controller.js';

/** Latency buckets grow by 5%: a p99 read from them is within 5% of the true one. */
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 320; // 0.1 ms · 1.05^320 ≈ 6 × 10^5 ms: ten minutes and more go in the last one
const FLOOR_MS = 0.1;

const bucketOf = (ms: number) =>
  Math.min(BUCKETS - 1, Math.max(0, Math.ceil(Math.log(Math.max(ms, FLOOR_MS) / FLOOR_MS) / LOG_GROWTH)));
const upperOf = (bucket: number) => FLOOR_MS * GROWTH ** bucket;

interface Second {
  at: number;
  latencies: Uint32Array;
  critical: number;
  requests: number;
  errors: number;
}

/**
 * This process's health over a short trailing window, from its own responses: the p99
 * latency of the requests that matter for a sale (holds and payments) and the share of
 * 5xx over all requests. Per-second buckets with a log histogram each: O(1) per request,
 * O(window × buckets) per sample (once per tick).
 */
export class HealthWindow {
  private readonly seconds: Second[] = [];

  constructor(private readonly windowMs: number) {}

  /** One response: `critical` for holds and payments (their latency counts for the p99). */
  record(now: number, latencyMs: number, status: number, critical: boolean): void {
    const second = this.second(now);
    second.requests += 1;
    if (status >= 500) second.errors += 1;
    if (critical) {
      second.critical += 1;
      second.latencies[bucketOf(latencyMs)]! += 1;
    }
  }

  /** The window up to now; p99 null with fewer than `minCritical` holds/payments in it. */
  sample(now: number, minCritical = 10): HealthSample {
    const from = Math.floor((now - this.windowMs) / 1000);
    this.prune(from);
    const merged = new Uint32Array(BUCKETS);
    let critical = 0;
    let requests = 0;
    let errors = 0;
    for (const second of this.seconds) {
      if (second.at <= from) continue;
      critical += second.critical;
      requests += second.requests;
      errors += second.errors;
      for (let i = 0; i < BUCKETS; i++) merged[i]! += second.latencies[i]!;
    }
    return {
      p99Ms: critical >= minCritical ? quantile(merged, critical, 0.99) : null,
      requests,
      errorRate: requests ? errors / requests : 0,
    };
  }

  private second(now: number): Second {
    const at = Math.floor(now / 1000);
    const last = this.seconds.at(-1);
    if (last && last.at === at) return last;
    const fresh = { at, latencies: new Uint32Array(BUCKETS), critical: 0, requests: 0, errors: 0 };
    // A response timed a little in the past (slow handlers) goes in its own second if kept.
    if (last && last.at > at) return this.seconds.find((s) => s.at === at) ?? last;
    this.seconds.push(fresh);
    return fresh;
  }

  private prune(from: number): void {
    while (this.seconds.length > 0 && this.seconds[0]!.at <= from) this.seconds.shift();
  }
}

function quantile(counts: Uint32Array, total: number, q: number): number {
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return upperOf(i);
  }
  return upperOf(counts.length - 1);
}
