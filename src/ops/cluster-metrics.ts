import type { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** How a cluster worker's `/metrics` shows the whole host: every worker's registry, added up. */
export interface ClusterMetrics {
  /** Called by buildApp: the registry the primary collects from this worker. */
  register(registry: Registry): void;
  /** Prometheus text of all workers, aggregated by the primary. */
  scrape(): Promise<string>;
}

const REQUEST = 'stagedoor:metrics-request';
const REPLY = 'stagedoor:metrics-reply';
const TIMEOUT_MS = 5_000;

interface ScrapeReply {
  type: typeof REPLY;
  id: string;
  text?: string;
  error?: string;
}

const isReply = (message: unknown): message is ScrapeReply =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REPLY;

/**
 * The worker side: the worker that got the scrape asks the primary over IPC; the primary
 * asks every worker for its registry (prom-client's own cluster messages) and answers.
 */
export function workerClusterMetrics(): ClusterMetrics {
  // Constructing one installs prom-client's responder to the primary's requests in this worker.
  new AggregatorRegistry();
  const waiting = new Map<string, { resolve(text: string): void; reject(error: Error): void }>();
  process.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.text !== undefined) pending?.resolve(message.text);
    else pending?.reject(new Error(message.error ?? 'metrics aggregation failed'));
  });
  return {
    register: (registry) => AggregatorRegistry.setRegistries([registry]),
    scrape: () =>
      new Promise((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('the cluster primary did not aggregate the metrics in time'));
        }, TIMEOUT_MS);
        waiting.set(id, {
          resolve: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        process.send?.({ type: REQUEST, id });
      }),
  };
}

/** The primary side: answers a worker's scrape request with every worker's metrics, added up. */
export function serveClusterMetrics(): (worker: Worker, message: unknown) => void {
  const aggregator = new AggregatorRegistry();
  return (worker, message) => {
    const request = message as { type?: unknown; id?: unknown };
    if (request?.type !== REQUEST || typeof request.id !== 'string') return;
    const id = request.id;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: REPLY, id, text }),
      (error: unknown) => worker.isConnected() && worker.send({ type: REPLY, id, error: String(error) }),
    );
  };
}
