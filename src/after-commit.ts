export interface ErrorLog {
  error(details: object, message: string): void;
}

/**
 * Runs follow-up work of an effect that has already committed (cache invalidation,
 * expiring a queue token). Its failure is logged, never answered: the client must
 * learn that the effect happened, and a retry with the same key replays it anyway.
 */
export async function afterCommit(log: ErrorLog, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    log.error({ err: error }, `${what} failed after commit`);
  }
}
