import type { ErrorLog } from './after-commit.js';

/**
 * Runs `work` every `intervalMs`, skipping a beat while the previous run is still
 * going, logging (not throwing) failures. Returns the function that stops it. The
 * timer is unref'd: it never keeps a process alive on its own.
 */
export function startIntervalJob(
  name: string,
  intervalMs: number,
  log: ErrorLog,
  work: () => Promise<unknown>,
): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await work();
    } catch (error) {
      log.error({ err: error }, `${name} failed`);
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
