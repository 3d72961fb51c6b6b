import autocannon from 'autocannon';

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface SecondStats {
  second: number;
  responses: number;
  p50: number;
  p99: number;
  max: number;
}

/** A 10-second stretch of a run: does the server slow down as it goes? */
export interface WindowStats {
  fromSecond: number;
  perSecond: number;
  p50: number;
  p99: number;
}

export const WINDOW_SECONDS = 10;

export interface LoadResult {
  title: string;
  connections: number;
  requests: number;
  durationSeconds: number;
  reqPerSec: number;
  /** Milliseconds, from every response's own time. */
  latency: Latency;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
  timeline: SecondStats[];
  /** Whole 10-second windows only (a partial last window would read as a slowdown). */
  windows: WindowStats[];
}

/** autocannon's options; `url` may be a list (its runtime spreads connections over them; its types lag). */
export type CannonOptions = Omit<autocannon.Options, 'url'> & { url: string | string[] };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Runs autocannon and returns the figures the reports use, with a per-second timeline. */
export async function fire(title: string, options: CannonOptions): Promise<LoadResult> {
  const started = Date.now();
  let lastResponse = started;
  const buckets: number[][] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const settings = { ...options, title } as unknown as autocannon.Options;
    const instance = autocannon(settings, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      lastResponse = Date.now();
      const second = Math.floor((lastResponse - started) / 1000);
      buckets[second] ??= [];
      buckets[second].push(responseTime);
    });
  });
  const timeline = Array.from(buckets, (bucket, second) => {
    const sorted = (bucket ?? []).sort((a, b) => a - b);
    return {
      second,
      responses: sorted.length,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? 0),
    };
  });
  const windows: WindowStats[] = [];
  for (let from = 0; from + WINDOW_SECONDS <= buckets.length; from += WINDOW_SECONDS) {
    const sorted = buckets
      .slice(from, from + WINDOW_SECONDS)
      .flatMap((bucket) => bucket ?? [])
      .sort((a, b) => a - b);
    windows.push({
      fromSecond: from,
      perSecond: sorted.length / WINDOW_SECONDS,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
    });
  }
  const all = buckets.flat().sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = (stats as { count: number }).count;
  }
  // A run of a fixed `amount` ends at autocannon's next 1-s sample after its last answer, so its
  // own duration is rounded up to whole seconds (20,000 charges done in 9.2 s read as 1,998/s):
  // such a run is timed to its last answer instead.
  const durationSeconds = options.amount ? Math.max(lastResponse - started, 1) / 1000 : result.duration;
  return {
    title,
    connections: options.connections ?? 10,
    requests: result.requests.total,
    durationSeconds,
    reqPerSec: result.requests.total / durationSeconds,
    latency: {
      p50: round(percentile(all, 50)),
      p95: round(percentile(all, 95)),
      p99: round(percentile(all, 99)),
      max: round(all.at(-1) ?? 0),
      mean: round(all.reduce((sum, v) => sum + v, 0) / Math.max(all.length, 1)),
    },
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    timeline,
    windows,
  };
}

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
