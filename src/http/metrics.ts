import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import { resultOf } from '../ops/metrics.js';

export interface MetricsPluginDeps {
  metrics: Metrics;
  /** The Prometheus text of this process, or (in a cluster worker) of every worker of the host. */
  scrape(): Promise<string>;
  /** Requests slower than this (ms) are logged one by one; 0: none. */
  slowRequestMs?: number;
}

type Operation = 'hold' | 'charge' | 'payment';

// Business counters move on HTTP outcomes: both route sets, one place, no service touched.
const OPERATIONS: Record<string, Operation> = {
  'POST /reservations': 'hold',
  'POST /v1/api/concerts/reserve': 'hold',
  'PATCH /users/:userId/charge': 'charge',
  'POST /v1/api/user/amount': 'charge',
  'POST /payments': 'payment',
  'POST /v1/api/concerts/payment': 'payment',
};
/** The business operation of a route ("POST /reservations" → hold), if it is one. */
export const operationOf = (method: string, route: string): Operation | undefined =>
  OPERATIONS[`${method} ${route}`];
const REFUND_URL = '/reservations/:reservationId/refund';

const PROBLEM_CODE = /"code":"([A-Z0-9_]{1,64})"/;
const REFUNDED = /"refunded":(\d{1,15})/;

// Errors of postgres.js and ioredis that say the store, not the request, failed.
function failedStore(error: Error & { code?: unknown }): 'postgres' | 'queue' | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  if (error.name === 'PostgresError' || /^(CONNECT|CONNECTION)_/.test(code)) return 'postgres';
  if (/^(ReplyError|MaxRetriesPerRequestError|AbortError)$/.test(error.name)) return 'queue';
  if (/Connection is closed|Stream isn't writeable/.test(error.message)) return 'queue';
  return /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code) ? 'postgres' : undefined;
}

function countOperation(
  metrics: Metrics,
  operation: Operation,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (reply.getHeader('idempotent-replayed') === 'true') {
    metrics.idempotentReplays.inc({ operation });
    return;
  }
  const status = reply.statusCode;
  const amount = (request.body as { amount?: unknown } | undefined)?.amount;
  const won = status < 300 && typeof amount === 'number' ? amount : 0;
  if (operation === 'hold') metrics.holds.requests.inc({ result: resultOf(status, 'held') });
  if (operation === 'charge') {
    metrics.charges.requests.inc({ result: resultOf(status, 'charged') });
    metrics.charges.won.inc(won);
  }
  if (operation === 'payment') {
    metrics.payments.requests.inc({ result: resultOf(status, 'confirmed') });
    metrics.payments.won.inc(won);
  }
}

/** A refund names no amount in its request: the answer says what was credited back. */
function countRefund(metrics: Metrics, reply: FastifyReply, payload: unknown) {
  if (reply.getHeader('idempotent-replayed') === 'true') {
    metrics.idempotentReplays.inc({ operation: 'refund' });
    return;
  }
  const status = reply.statusCode;
  metrics.refunds.requests.inc({ result: resultOf(status, 'refunded') });
  const refunded = status < 300 && typeof payload === 'string' ? REFUNDED.exec(payload)?.[1] : undefined;
  if (refunded !== undefined) metrics.refunds.won.inc(Number(refunded));
}

/** HTTP metrics for every route, the business counters, the slow-request log, and `GET /metrics`. */
export function registerMetrics(
  app: FastifyInstance,
  { metrics, scrape, slowRequestMs = 0 }: MetricsPluginDeps,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const elapsedMs = reply.elapsedTime;
    metrics.http.record(route, request.method, reply.statusCode, elapsedMs / 1000);
    // The access log is these counters, not a line per request (issue 10: two lines per request
    // cost more than a check); a slow request is the exception worth a line, with its reqId.
    if (slowRequestMs > 0 && elapsedMs >= slowRequestMs) {
      request.log.warn(
        {
          route,
          method: request.method,
          statusCode: reply.statusCode,
          responseTimeMs: Math.round(elapsedMs),
        },
        'slow request',
      );
    }
    if (reply.statusCode === 429) metrics.http.rateLimited.inc({ route });
    // Every business operation is a write: reads (most of the traffic) skip the lookup.
    const operation = request.method === 'GET' ? undefined : OPERATIONS[`${request.method} ${route}`];
    if (operation) countOperation(metrics, operation, request, reply);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method === 'POST' && request.routeOptions.url === REFUND_URL)
      countRefund(metrics, reply, payload);
    if (reply.statusCode === 503) {
      const code = typeof payload === 'string' ? PROBLEM_CODE.exec(payload)?.[1] : undefined;
      metrics.http.unavailable.inc({ code: code ?? 'UNKNOWN' });
    }
    done(null, payload);
  });
  app.addHook('onError', (_request, _reply, error, done) => {
    const store = failedStore(error);
    if (store) metrics.storeErrors.inc({ store });
    done();
  });

  app.get(
    '/metrics',
    {
      // Prometheus text, not JSON: documented in the README, kept out of the JSON API's document.
      schema: { hide: true },
    },
    async (_request, reply) => {
      let text: string;
      try {
        text = await scrape();
      } catch (error) {
        reply.log.warn({ err: error }, 'metrics scrape failed');
        throw new AppError('METRICS_UNAVAILABLE', 503, 'The metrics of this host could not be collected.');
      }
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
