import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { Problem } from './schemas.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

// Fastify's own client errors, under stable names of ours.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_CONTENT_LENGTH',
};

// A store that cannot be reached is the client's "try again shortly", not our bug: 503 with
// Retry-After. PostgreSQL (postgres.js): socket errors, its own connection codes, SQLSTATE
// class 08 and the server shutting down / refusing connections.
const DATABASE_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
// Waits the database cut short (src/db/client.ts): a lock not granted in time (55P03), this
// session ended while idle in a transaction (25P03), a statement cancelled (57014). Each rolled
// its transaction back, so a retry with the same Idempotency-Key is safe.
const DATABASE_BUSY = new Set(['55P03', '25P03', '57014']);
// ioredis, with no offline queue and bounded timeouts (src/redis-client.ts).
const REDIS_DOWN =
  /enableOfflineQueue options is false|Connection is closed|Command timed out|Reached the max retries|Failed to refresh slots cache|None of startup nodes is available/;

function unavailable(error: FastifyError): { status: number; code: string; detail: string } | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  if (DATABASE_DOWN.has(code) || /^08/.test(code)) {
    return {
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      detail: 'The database does not answer; try again shortly.',
    };
  }
  if (DATABASE_BUSY.has(code)) {
    return {
      status: 503,
      code: 'DATABASE_BUSY',
      detail: 'A conflicting change held the data this request needs for too long; try again shortly.',
    };
  }
  if (REDIS_DOWN.test(error.message)) {
    return {
      status: 503,
      code: 'QUEUE_STORE_UNAVAILABLE',
      detail: 'The queue store does not answer; try again shortly.',
    };
  }
  return undefined;
}

/** Seconds a client should wait before retrying a 503 that did not say otherwise. */
export const RETRY_AFTER_SECONDS = 1;

// Errors the router answers before any route or error handler runs (found by the fuzzer:
// without this they left as Fastify's own JSON, not problem+json).
const ROUTER_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_REQUEST', detail: 'The URL is not validly percent-encoded.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'URI_TOO_LONG',
    detail: 'A path parameter is longer than 100 characters.',
  },
};

/** Fastify's `frameworkErrors` option: router errors as problem+json too. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = ROUTER_ERRORS[error.code] ?? { status: 400, code: 'BAD_REQUEST', detail: error.message };
  sendProblem(reply, known.status, known.code, known.detail);
}

/** Sets the status and headers of a problem answer and returns its body (for hooks that send it). */
export function prepareProblem(reply: FastifyReply, status: number, code: string, detail: string) {
  if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
  reply.code(status).type(PROBLEM_CONTENT_TYPE);
  return {
    type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    requestId: reply.request.id,
  };
}

export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  return reply.send(prepareProblem(reply, status, code, detail));
}

function classify(error: FastifyError): { status: number; code: string; detail: string } {
  if (error instanceof AppError) return error;
  if (error.validation) {
    const context = error.validationContext ?? 'request';
    const missingKey = context === 'headers' && /idempotency-key/.test(error.message);
    return missingKey
      ? {
          status: 400,
          code: 'IDEMPOTENCY_KEY_REQUIRED',
          detail: 'The Idempotency-Key header is required (1..255 chars).',
        }
      : { status: 400, code: 'VALIDATION_FAILED', detail: error.message };
  }
  const down = unavailable(error);
  if (down) return down;
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: FASTIFY_CODES[error.code] ?? 'BAD_REQUEST', detail: error.message };
  }
  return { status: 500, code: 'INTERNAL_ERROR', detail: 'An unexpected error occurred; it has been logged.' };
}

/** Every error, ours or Fastify's, leaves as RFC 9457 problem+json with a stable code. */
export function registerProblemHandling(app: FastifyInstance): void {
  app.addSchema(Problem);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = classify(error);
    if (problem.status === 500) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem.status, problem.code, problem.detail);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
}
