import type { FastifyReply } from 'fastify';
import type { IdempotentResult } from '../db/idempotency/index.js';

// The record itself lives in the data layer (src/db/idempotency, migration 008); the
// lock name is re-exported for the tests that hold a key in flight.
export { inFlightLockName } from '../db/idempotency/index.js';

/** The HTTP side of idempotency: a replay says so in `Idempotent-Replayed`. */
export function sendIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>): FastifyReply {
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.code(result.status).send(result.body);
}
