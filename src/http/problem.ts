import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
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

export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code,
    });
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
    if (problem.status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem.status, problem.code, problem.detail);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
}
