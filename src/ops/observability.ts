import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import type { CacheStats } from '../modules/concerts/schedule-cache.js';
import type { AdmissionDecision } from '../modules/queue/admission-policy.js';
import type { AdmitResult, QueueStore } from '../modules/queue/queue-store.js';
import { runMaintenance } from '../modules/reservations/hold-sweeper.js';
import { createMetrics, type Metrics } from './metrics.js';

export interface ObservabilityDeps {
  room: string;
  /** The rooms the queue ticker ticks (the default room and the sale rooms it met). */
  rooms(): readonly string[];
  /** Pre-queue entrants waiting for their draw, by room. */
  preQueueSizes(): Promise<ReadonlyMap<string, number>>;
  /** Whether an operator paused the room (as of this process's last tick). */
  paused(room: string): boolean;
  clock: Clock;
  queueStore: QueueStore;
  database: Database;
  cacheStats(): { schedules: CacheStats; seatMaps: CacheStats };
  idempotencyTtlHours: number;
  /** Open SSE streams of this process (the queue module's stream registry), when it has one. */
  sseConnections?(): number;
}

export interface Observability {
  metrics: Metrics;
  /** Counts what one room's admission did (whoever runs admission calls this with the store's result). */
  observeAdmission(
    room: string,
    result: Pick<AdmitResult, 'admitted' | 'abandoned' | 'expired'> & Partial<Pick<AdmitResult, 'released'>>,
  ): void;
  /** An admission rate decision of this process (fixed or adaptive). */
  observeDecision(room: string, decision: AdmissionDecision): void;
  /** Runs one tick's work, timing it and counting a failure as a queue-store error. */
  timeTick<T>(room: string, work: () => Promise<T>): Promise<T>;
  /** One maintenance pass (hold sweep, key pruning), counting the holds that lapsed unpaid. */
  maintenance(): Promise<void>;
}

const RATE_WINDOW_MS = 60_000;

/** The app's metrics, and the background jobs wrapped so that they move them. */
export function createObservability(deps: ObservabilityDeps): Observability {
  const { room, clock, queueStore, database } = deps;
  // Admissions of this process in the last minute: the per-process admission rate.
  const admissions: { at: number; room: string; count: number }[] = [];
  const admissionRate = (of: string) => {
    const since = clock.now() - RATE_WINDOW_MS;
    while (admissions.length > 0 && admissions[0]!.at <= since) admissions.shift();
    let admitted = 0;
    for (const a of admissions) if (a.room === of) admitted += a.count;
    return admitted / (RATE_WINDOW_MS / 1000);
  };
  const metrics = createMetrics({
    room,
    rooms: deps.rooms,
    queueCounts: (of) => queueStore.counts(of),
    preQueueSizes: deps.preQueueSizes,
    paused: deps.paused,
    cacheStats: deps.cacheStats,
    sqlStatements: () => database.queryCount(),
    admissionRate,
    sseConnections: deps.sseConnections,
  });
  const observeAdmission: Observability['observeAdmission'] = (room, result) => {
    const labels = { room };
    metrics.queue.admitted.inc(labels, result.admitted);
    metrics.queue.abandoned.inc(labels, result.abandoned);
    metrics.queue.expired.inc(labels, result.expired);
    metrics.queue.released.inc(labels, result.released ?? 0);
    if (result.admitted > 0) admissions.push({ at: clock.now(), room, count: result.admitted });
  };
  const timeTick: Observability['timeTick'] = async (room, work) => {
    const end = metrics.queue.tickDuration.startTimer({ room });
    try {
      return await work();
    } catch (error) {
      metrics.storeErrors.inc({ store: 'queue' });
      throw error;
    } finally {
      end();
    }
  };

  return {
    metrics,
    observeAdmission,
    observeDecision(room, decision) {
      metrics.queue.admissionTarget.set({ room }, decision.targetPerTick);
      if (decision.mode === 'adaptive')
        metrics.queue.admissionDecisions.inc({ room, decision: decision.kind });
    },
    timeTick,
    async maintenance() {
      try {
        const { expiredHolds } = await runMaintenance(database.sql, clock, deps.idempotencyTtlHours);
        metrics.holds.expired.inc(expiredHolds);
      } catch (error) {
        metrics.storeErrors.inc({ store: 'postgres' });
        throw error;
      }
    },
  };
}
