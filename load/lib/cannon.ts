import autocannon from 'autocannon';

export interface LoadResult {
  title: string;
  requests: number;
  durationSeconds: number;
  reqPerSec: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Each second of the run: responses, and their p50/p99 latency (ms). */
  timeline: { second: number; responses: number; p50: number; p99: number; max: number }[];
}

export type CannonOptions = autocannon.Options;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs autocannon and returns the figures the reports use, with a per-second timeline. */
export async function fire(title: string, options: CannonOptions): Promise<LoadResult> {
  const started = Date.now();
  const buckets: number[][] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ ...options, title }, (error, finished) =>
      error ? reject(error) : resolve(finished),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      const second = Math.floor((Date.now() - started) / 1000);
      buckets[second] ??= [];
      buckets[second].push(responseTime);
    });
  });
  const timeline = Array.from(buckets, (bucket, second) => {
    const sorted = (bucket ?? []).sort((a, b) => a - b);
    return {
      second,
      responses: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
    };
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = (stats as { count: number }).count;
  }
  return {
    title,
    requests: result.requests.total,
    durationSeconds: result.duration,
    reqPerSec: result.requests.total / result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    timeline,
  };
}

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
