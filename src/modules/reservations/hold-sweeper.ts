import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { pruneIdempotencyKeys } from '../../db/idempotency/index.js';
import { sweepExpiredHolds } from './reservations.repository.js';

/**
 * One maintenance pass: expire lapsed holds (freeing their seats) and prune stored
 * idempotency responses past retention. Safe to run from every process at once.
 */
export async function runMaintenance(sql: Sql, clock: Clock, idempotencyTtlHours: number) {
  const now = clock.now();
  const expiredHolds = await sweepExpiredHolds(sql, new Date(now));
  const prunedKeys = await pruneIdempotencyKeys(sql, new Date(now - idempotencyTtlHours * 3_600_000));
  return { expiredHolds, prunedKeys };
}
