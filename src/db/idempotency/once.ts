import { AppError, conflict } from '../../errors.js';
import { type Queryable, type Sql, withIndexScans } from '../client.js';
import { type IdempotencyScope, type IdempotentResult, requestHash } from './scope.js';

/**
 * What an operation's SQL function answers (migration 008): the idempotency record,
 * the rules and the writes all ran in that one statement, in autocommit.
 */
export interface OnceRow {
  outcome: 'DONE' | 'REPLAY' | 'IN_USE' | 'REUSED' | 'REFUSED';
  status: number | null;
  body: unknown;
  /** After-commit facts of a new effect (the seat that changed); never stored. */
  effect: unknown;
}

/** SQLSTATE of a refusal found after the operation's first write (migration 011). */
const REFUSED_AFTER_WRITE = 'SD409';

/**
 * Runs an operation function's one statement and returns its row. A refusal found after
 * the function had written (a charge over the monthly limit, a payment the balance does
 * not cover) is raised as SQLSTATE SD409 with the refusal as JSON in DETAIL, so that the
 * error undoes the writes with the statement instead of a subtransaction inside the
 * function; here it becomes the REFUSED row the function would have returned.
 */
export async function runOnce(statement: Promise<OnceRow[]>): Promise<OnceRow | undefined> {
  try {
    const [row] = await statement;
    return row;
  } catch (error) {
    const { code, detail } = error as { code?: unknown; detail?: unknown };
    if (code !== REFUSED_AFTER_WRITE || typeof detail !== 'string') throw error;
    return { outcome: 'REFUSED', status: null, body: JSON.parse(detail) as unknown, effect: null };
  }
}

/** A new effect or a replay, or the function's account of why nothing changed. */
export type Once<T, Why, Effect> =
  | { refused: false; result: IdempotentResult<T>; effect: Effect | undefined }
  | { refused: true; why: Why };

/**
 * Reads an operation function's answer: 409 while the key is in flight, 422 for a
 * reused key; a replay carries no effect (its after-commit work ran the first time).
 */
export function settleOnce<T, Why, Effect = never>(row: OnceRow | undefined): Once<T, Why, Effect> {
  if (!row) throw new Error('operation function returned no row');
  switch (row.outcome) {
    case 'IN_USE':
      throw conflict(
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still being processed.',
      );
    case 'REUSED':
      throw keyReused();
    case 'REFUSED':
      return { refused: true, why: row.body as Why };
    case 'REPLAY':
    case 'DONE':
      return {
        refused: false,
        result: { status: row.status!, body: row.body as T, replayed: row.outcome === 'REPLAY' },
        effect: row.outcome === 'DONE' ? (row.effect as Effect) : undefined,
      };
  }
}

const keyReused = () =>
  new AppError(
    'IDEMPOTENCY_KEY_REUSED',
    422,
    'This Idempotency-Key was used with a different request body; use a new key for a new request.',
  );

/** The stored response for a key, if any (for replays that need no new effect): one statement. */
export async function findReplay<T>(
  db: Queryable,
  scope: IdempotencyScope,
): Promise<IdempotentResult<T> | undefined> {
  const [row] = await db<{ request_hash: string; response_status: number; response_body: unknown }[]>`
    SELECT request_hash, response_status, response_body FROM idempotency_keys
    WHERE user_id = ${scope.userId} AND operation = ${scope.operation} AND key = ${scope.key}`;
  if (!row) return undefined;
  if (row.request_hash !== requestHash(scope.payload)) throw keyReused();
  return { status: row.response_status, body: row.response_body as T, replayed: true };
}

/** Deletes stored responses older than the retention; safe to run from every process. */
export async function pruneIdempotencyKeys(sql: Sql, olderThan: Date): Promise<number> {
  // By its age index only, however stale the statistics (see withIndexScans).
  const deleted = await withIndexScans(
    sql,
    (tx) => tx`DELETE FROM idempotency_keys WHERE created_at < ${olderThan}`,
  );
  return deleted.count;
}
