import { createHash } from 'node:crypto';

export interface IdempotencyScope {
  userId: number;
  /** The operation the key belongs to, e.g. `reserve`, `charge`, `pay`. */
  operation: string;
  key: string;
  /** What the client sent; a retry must send the same. */
  payload: unknown;
}

export interface IdempotentResult<T> {
  status: number;
  body: T;
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

/** What a retry must match: stored with the first answer, compared by the operation's SQL function. */
export const requestHash = (payload: unknown) =>
  createHash('sha256').update(canonical(payload)).digest('hex');

/**
 * The advisory-lock name a request holds while it runs (sd_idempotency_claim in
 * migration 008 spells the same string); exported for tests.
 */
export const inFlightLockName = ({ userId, operation, key }: Omit<IdempotencyScope, 'payload'>) =>
  `idempotency:${userId}:${operation}:${key}`;
