import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Queryable, Sql, Tx } from '../db/client.js';
import { AppError, conflict } from '../errors.js';

export interface IdempotencyScope {
  userId: number;
  /** The operation the key belongs to, e.g. `reserve`, `charge`, `pay`. */
  operation: string;
  key: string;
  /** What the client sent; a retry must send the same. */
  payload: unknown;
}

export interface EffectResult<T> {
  status: number;
  body: T;
}

export interface IdempotentResult<T> extends EffectResult<T> {
  replayed: boolean;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same payload. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const requestHash = (payload: unknown) => createHash('sha256').update(canonical(payload)).digest('hex');

/** The advisory-lock name a request holds while it runs; exported for tests. */
export const inFlightLockName = ({ userId, operation, key }: Omit<IdempotencyScope, 'payload'>) =>
  `idempotency:${userId}:${operation}:${key}`;

interface StoredRow {
  request_hash: string;
  response_status: number;
  response_body: unknown;
}

async function findStored(db: Queryable, scope: IdempotencyScope): Promise<StoredRow | undefined> {
  const [row] = await db<StoredRow[]>`
    SELECT request_hash, response_status, response_body FROM idempotency_keys
    WHERE user_id = ${scope.userId} AND operation = ${scope.operation} AND key = ${scope.key}`;
  return row;
}

function replay<T>(scope: IdempotencyScope, row: StoredRow): IdempotentResult<T> {
  if (row.request_hash !== requestHash(scope.payload)) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      422,
      'This Idempotency-Key was used with a different request body; use a new key for a new request.',
    );
  }
  return { status: row.response_status, body: row.response_body as T, replayed: true };
}

/**
 * Runs `effect` at most once per (user, operation, key), Stripe-style:
 * - the first response is stored in the effect's own transaction, so the effect and
 *   its stored answer commit together or not at all;
 * - a retry with the same payload gets the stored response (`replayed`), a different
 *   payload is 422, and a retry while the first still runs is 409 (it holds a
 *   transaction-scoped advisory lock on the key, which a retry cannot take).
 * An effect that fails (AppError) changed nothing and stores nothing: retrying runs it again.
 */
export async function runIdempotent<T>(
  sql: Sql,
  scope: IdempotencyScope,
  now: Date,
  effect: (tx: Tx) => Promise<EffectResult<T>>,
): Promise<IdempotentResult<T>> {
  return sql.begin(async (tx) => {
    // Sent together (one round trip) and run in order: the lookup's snapshot is taken
    // after the lock is held, so it sees whatever an earlier holder of the key committed.
    const [[lock], stored] = await Promise.all([
      tx<
        { locked: boolean }[]
      >`SELECT pg_try_advisory_xact_lock(hashtextextended(${inFlightLockName(scope)}, 0)) AS locked`,
      findStored(tx, scope),
    ]);
    if (!lock!.locked) {
      throw conflict(
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    if (stored) return replay<T>(scope, stored);
    const result = await effect(tx);
    await tx`
      INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
      VALUES (${scope.userId}, ${scope.operation}, ${scope.key}, ${requestHash(scope.payload)},
              ${result.status}, ${tx.json(result.body as Parameters<typeof tx.json>[0])}, ${now})`;
    return { ...result, replayed: false };
  });
}

/** The stored response for a key, if any (for replays that need no new effect). */
export async function findReplay<T>(
  db: Queryable,
  scope: IdempotencyScope,
): Promise<IdempotentResult<T> | undefined> {
  const stored = await findStored(db, scope);
  return stored ? replay<T>(scope, stored) : undefined;
}

export function sendIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>): FastifyReply {
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.code(result.status).send(result.body);
}

/** Deletes stored responses older than the retention; safe to run from every process. */
export async function pruneIdempotencyKeys(sql: Sql, olderThan: Date): Promise<number> {
  const deleted = await sql`DELETE FROM idempotency_keys WHERE created_at < ${olderThan}`;
  return deleted.count;
}
