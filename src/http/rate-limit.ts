import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { TokenSigner } from '../modules/queue/queue-token.js';

export interface RateLimitDeps {
  config: Pick<Config, 'rateLimitIssuePerMinute' | 'rateLimitWritePerMinute'>;
  /** Verifies queue tokens, so a limit is per user only for a user the token proves. */
  signer: TokenSigner;
  /** Counters shared by every process; unset: per process, in memory. */
  redis?: Redis | Cluster;
}

type Group = 'issue' | 'write';

// The routes that cost a store write, in both route sets: joining the queue, holds, charges, payments.
const LIMITED: Record<string, Group> = {
  'POST /waiting/issue': 'issue',
  'POST /v1/api/queue/token': 'issue',
  'POST /reservations': 'write',
  'POST /v1/api/concerts/reserve': 'write',
  'PATCH /users/:userId/charge': 'write',
  'POST /v1/api/user/amount': 'write',
  'POST /payments': 'write',
  'POST /v1/api/concerts/payment': 'write',
};

const MINUTE_MS = 60_000;

/**
 * Per-client limits with @fastify/rate-limit on the limited routes only (no cost on the
 * others): joining the queue per IP (the user id in the body is not proven yet); writes
 * per user when the request carries an authentic queue token, else per IP. Counted in
 * Redis when there is one, so the limit holds across processes. 429 problem+json
 * (RATE_LIMITED) with Retry-After and the IETF RateLimit-* headers. 0 turns a limit off.
 */
export async function registerRateLimits(app: FastifyInstance, deps: RateLimitDeps): Promise<void> {
  const limits: Record<Group, number> = {
    issue: deps.config.rateLimitIssuePerMinute,
    write: deps.config.rateLimitWritePerMinute,
  };
  if (limits.issue === 0 && limits.write === 0) return;
  const clientOf = (request: FastifyRequest) => {
    const token = request.headers['x-queue-token'];
    const claims = typeof token === 'string' ? deps.signer.verify(token) : null;
    return claims ? `user:${claims.userId}` : `ip:${request.ip}`;
  };

  // Runs before the plugin's own onRoute hook: it gives the limited routes their config.
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    const group = LIMITED[`${method} ${route.url}`];
    if (!group || limits[group] === 0) return;
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (response && !response[429])
      route.schema = { ...route.schema, response: { ...response, 429: Type.Ref('Problem') } };
    route.config = {
      ...route.config,
      rateLimit: {
        max: limits[group],
        timeWindow: MINUTE_MS,
        keyGenerator: group === 'issue' ? (request: FastifyRequest) => `ip:${request.ip}` : clientOf,
      },
    };
  });
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true, // RateLimit-Limit / -Remaining / -Reset, as the IETF draft names them
    // A Cluster client serves too: the plugin only defines and runs one single-key script.
    redis: deps.redis as Redis | undefined,
    nameSpace: 'ratelimit:',
    // A Redis outage must not turn every write into an error: the store health check sheds instead.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'RATE_LIMITED',
        context.statusCode,
        `Too many requests: at most ${context.max} per minute; retry in ${context.after}.`,
      ),
  });
}
