import type { Clock } from '../../clock.js';
import type { QueueStore } from './queue-store.js';

interface Log {
  error(details: object, message: string): void;
}

/**
 * Runs the admission tick on an interval. Every process may run it: the store
 * admits once per time slot, however many processes tick.
 */
export function startAdmissionTicks(store: QueueStore, clock: Clock, tickMs: number, log: Log): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await store.admit(clock.now());
    } catch (error) {
      log.error({ err: error }, 'queue admission tick failed');
    } finally {
      running = false;
    }
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
