import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

// What a proxy or client may hand us: short, printable, no spaces (so logs and headers stay clean).
const WELL_FORMED = /^[\w.:@/+=-]{1,128}$/;

/**
 * Fastify's `genReqId`: a well-formed incoming `X-Request-Id` is kept (so one id follows
 * a request through the load balancer and us), anything else gets a fresh UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID();
}

/** Every response carries the request's id; Fastify already puts it in every request log line. */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
