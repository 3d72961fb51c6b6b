import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheStats } from '../modules/concerts/schedule-cache.js';
import { createHttpMetrics } from './http-metrics.js';

/** Where the metrics read at scrape time come from. */
export interface MetricSources {
  /** The default room (QUEUE_NAME): the label of what is not per sale (SSE streams). */
  room: string;
  /** The rooms this process ticks: the default room and every sale room it has met. */
  rooms(): readonly string[];
  queueCounts(room: string): Promise<{ waiting: number; active: number }>;
  /** Entrants of pre-queues still waiting for their opening's draw, by room (absent: none). */
  preQueueSizes(): Promise<ReadonlyMap<string, number>>;
  cacheStats(): { schedules: CacheStats; seatMaps: CacheStats };
  sqlStatements(): number;
  /** Users this process admitted to the room per second over the last minute. */
  admissionRate(room: string): number;
  /** True while an operator has paused the room's admission (a sale's live control). */
  paused(room: string): boolean;
  /** Open SSE position streams of this process, once the queue module has them. */
  sseConnections?(): number;
}

type RoomCounts = ReadonlyMap<string, { waiting: number; active: number }>;

/**
 * Every metric stagedoor exports, in one place: `stagedoor_<what>_<unit>` (design.md §3.13),
 * `_total` for counters, seconds as the unit of time. Labels stay bounded: a route template,
 * a method, a status class, a room (= queue name), a small fixed set of outcomes or codes;
 * never a user id, token or raw URL.
 *
 * `aggregator` says how one scrape adds up the workers of a host (prom-client's
 * AggregatorRegistry): counters and histograms sum; a gauge read from a shared store
 * (Redis) shows the same number in every worker, so it takes the maximum instead.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const room = ['room'] as const;
  const result = ['result'] as const;
  const labels = { room: sources.room };

  // The queue gauges are collected concurrently at scrape: one read per room serves them all.
  // A room is a sale (bounded by the catalog), never a user: the label stays bounded.
  let pendingCounts: Promise<RoomCounts | undefined> | undefined;
  const queueCounts = () => {
    pendingCounts ??= Promise.all(
      sources.rooms().map(async (room) => [room, await sources.queueCounts(room)] as const),
    )
      .then((entries): RoomCounts => new Map(entries))
      .catch(() => {
        storeErrors.inc({ store: 'queue' });
        return undefined; // the gauges keep their last value
      })
      .finally(() => {
        pendingCounts = undefined;
      });
    return pendingCounts;
  };
  const storeErrors = new Counter({
    name: 'stagedoor_store_errors_total',
    help: 'Failed calls to a store: postgres or queue (Redis or memory).',
    labelNames: ['store'] as const,
    registers,
  });
  const cacheCounter = (name: string, help: string, field: 'hits' | 'misses') =>
    new Counter({
      name,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        const stats = sources.cacheStats();
        this.reset();
        this.inc({ cache: 'schedules' }, stats.schedules[field]);
        this.inc({ cache: 'seat_maps' }, stats.seatMaps[field]);
      },
    });

  return {
    registry,
    http: {
      ...createHttpMetrics(registers),
      unavailable: new Counter({
        name: 'stagedoor_http_unavailable_total',
        help: '503 answers by problem code (OVERLOADED, STORE_UNAVAILABLE, NOT_READY, ...).',
        labelNames: ['code'] as const,
        registers,
      }),
      rateLimited: new Counter({
        name: 'stagedoor_http_rate_limited_total',
        help: '429 answers of the rate limiter, by route template.',
        labelNames: ['route'] as const,
        registers,
      }),
    },
    queue: {
      waiting: new Gauge({
        name: 'stagedoor_queue_waiting_users',
        help: 'Users waiting in the room (read from the queue store at scrape).',
        labelNames: room,
        aggregator: 'max',
        registers,
        async collect() {
          const counts = await queueCounts();
          for (const [room, { waiting }] of counts ?? []) this.set({ room }, waiting);
        },
      }),
      prequeue: new Gauge({
        name: 'stagedoor_queue_prequeue_users',
        help: 'Users in the pre-queue of a room whose opening has not drawn yet (read from PostgreSQL at scrape).',
        labelNames: room,
        aggregator: 'max',
        registers,
        async collect() {
          const sizes = await sources.preQueueSizes().catch(() => {
            storeErrors.inc({ store: 'postgres' });
            return undefined; // keeps the last values
          });
          if (!sizes) return;
          // After the draw a room's pre-queue reads 0, not its last size.
          for (const room of new Set([...sources.rooms(), ...sizes.keys()]))
            this.set({ room }, sizes.get(room) ?? 0);
        },
      }),
      active: new Gauge({
        name: 'stagedoor_queue_active_users',
        help: 'Users admitted and still active (read from the queue store at scrape).',
        labelNames: room,
        aggregator: 'max',
        registers,
        async collect() {
          const counts = await queueCounts();
          for (const [room, { active }] of counts ?? []) this.set({ room }, active);
        },
      }),
      admitted: new Counter({
        name: 'stagedoor_queue_admitted_total',
        help: 'Users moved from waiting to active by admission ticks.',
        labelNames: room,
        registers,
      }),
      abandoned: new Counter({
        name: 'stagedoor_queue_abandoned_total',
        help: 'Waiters dropped for not checking within the idle timeout.',
        labelNames: room,
        registers,
      }),
      expired: new Counter({
        name: 'stagedoor_queue_expired_total',
        help: 'Active users whose token lapsed before they paid.',
        labelNames: room,
        registers,
      }),
      admissionRate: new Gauge({
        name: 'stagedoor_queue_admission_rate_users_per_second',
        help: 'Users admitted per second over the last 60 s (summed over the workers that ran ticks).',
        labelNames: room,
        registers,
        collect() {
          for (const room of sources.rooms()) this.set({ room }, sources.admissionRate(room));
        },
      }),
      paused: new Gauge({
        name: 'stagedoor_queue_paused',
        help: '1 while an operator has paused the room’s admission, else 0 (the stalled-queue alert ignores paused rooms).',
        labelNames: room,
        aggregator: 'max',
        registers,
        collect() {
          for (const room of sources.rooms()) this.set({ room }, sources.paused(room) ? 1 : 0);
        },
      }),
      released: new Counter({
        name: 'stagedoor_queue_released_total',
        help: 'Active slots freed because their users stopped acting (QUEUE_ACTIVE_IDLE_SECONDS).',
        labelNames: room,
        registers,
      }),
      admissionTarget: new Gauge({
        name: 'stagedoor_queue_admission_rate_target',
        help: 'Users per tick this process admits a room at: the set rate (fixed) or the controller’s (adaptive).',
        labelNames: room,
        aggregator: 'max',
        registers,
      }),
      admissionDecisions: new Counter({
        name: 'stagedoor_queue_admission_decisions_total',
        help: 'Adaptive admission decisions per tick: increase, decrease or hold.',
        labelNames: [...room, 'decision'],
        registers,
      }),
      tickDuration: new Histogram({
        name: 'stagedoor_queue_tick_duration_seconds',
        help: 'Duration of one admission tick (including ticks another process had already run).',
        labelNames: room,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    },
    sse: {
      connections: new Gauge({
        name: 'stagedoor_sse_connections',
        help: 'Open server-sent-event streams of queue positions.',
        labelNames: room,
        registers,
        collect() {
          if (sources.sseConnections) this.set(labels, sources.sseConnections());
        },
      }),
    },
    holds: {
      requests: new Counter({
        name: 'stagedoor_holds_total',
        help: 'Hold attempts by result: held, refused (4xx: seat taken, bad input, gate), failed (5xx).',
        labelNames: result,
        registers,
      }),
      expired: new Counter({
        name: 'stagedoor_holds_expired_total',
        help: 'Holds that lapsed unpaid and were marked EXPIRED by the sweeper.',
        registers,
      }),
    },
    payments: {
      requests: new Counter({
        name: 'stagedoor_payments_total',
        help: 'Payment attempts by result: confirmed, refused (4xx), failed (5xx).',
        labelNames: result,
        registers,
      }),
      won: new Counter({ name: 'stagedoor_payments_won_total', help: 'Won paid for seats.', registers }),
    },
    refunds: {
      requests: new Counter({
        name: 'stagedoor_refunds_total',
        help: 'Refunds by result: refunded, refused (4xx), failed (5xx).',
        labelNames: result,
        registers,
      }),
      won: new Counter({ name: 'stagedoor_refunds_won_total', help: 'Won refunded.', registers }),
    },
    charges: {
      requests: new Counter({
        name: 'stagedoor_charges_total',
        help: 'Balance top-ups by result: charged, refused (4xx), failed (5xx).',
        labelNames: result,
        registers,
      }),
      won: new Counter({ name: 'stagedoor_charges_won_total', help: 'Won charged to balances.', registers }),
    },
    idempotentReplays: new Counter({
      name: 'stagedoor_idempotent_replays_total',
      help: 'Responses replayed for a retried Idempotency-Key, by operation (hold, charge, payment, refund).',
      labelNames: ['operation'] as const,
      registers,
    }),
    storeErrors,
    cache: {
      hits: cacheCounter(
        'stagedoor_cache_hits_total',
        'In-process cache hits: schedules, seat_maps.',
        'hits',
      ),
      misses: cacheCounter(
        'stagedoor_cache_misses_total',
        'In-process cache misses: schedules, seat_maps.',
        'misses',
      ),
    },
    cacheEntries: new Gauge({
      name: 'stagedoor_cache_entries',
      help: 'Entries held by an in-process cache: schedules, seat_maps.',
      labelNames: ['cache'] as const,
      registers,
      collect() {
        const stats = sources.cacheStats();
        this.set({ cache: 'schedules' }, stats.schedules.size);
        this.set({ cache: 'seat_maps' }, stats.seatMaps.size);
      },
    }),
    sqlStatements: new Counter({
      name: 'stagedoor_sql_statements_total',
      help: 'SQL statements sent (BEGIN/COMMIT not counted).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.sqlStatements());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The value of a metric (with these labels) in this process, running its collect first. */
export async function metricValue(
  metric: { get(): Promise<{ values: { value: number; labels: object }[] }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  const matches = (l: object) =>
    Object.entries(labels).every(([k, v]) => (l as Record<string, unknown>)[k] === v);
  return values.find((v) => matches(v.labels))?.value ?? 0;
}

/** 2xx, 4xx, ...: the status label (a bounded set). */

/** The result label of a business counter from an HTTP status: `ok` names the success. */
export function resultOf(status: number, ok: string): string {
  if (status < 400) return ok;
  return status < 500 ? 'refused' : 'failed';
}
