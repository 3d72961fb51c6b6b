import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { forbidden } from '../errors.js';
import type { QueueService } from '../modules/queue/queue.service.js';
import type { TokenClaims } from '../modules/queue/queue-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the queue gate: the active queue user this request acts for. */
    queueUser?: TokenClaims;
  }
}

export interface GateOptions {
  /** The user the request claims to act for (path or body), checked against the token's. */
  userIdOf?: (request: FastifyRequest) => number | undefined;
}

/** What a gated request is about, for binding sale rooms' tokens to their concert. */
export function saleTarget(request: FastifyRequest): { concertId?: number; reservationId?: string } {
  const body = (request.body ?? {}) as { concertId?: unknown; reservationId?: unknown };
  const params = (request.params ?? {}) as { reservationId?: unknown };
  const reservationId = body.reservationId ?? params.reservationId;
  return {
    ...(typeof body.concertId === 'number' ? { concertId: body.concertId } : {}),
    ...(typeof reservationId === 'string' ? { reservationId } : {}),
  };
}

export function queueTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-queue-token'];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * The waiting room's gate, declared by a route as a preHandler: only an active
 * queue user gets through. 401: token missing, forged or expired; 403: valid but
 * still waiting, or it belongs to a different user than the request's userId.
 */
export function queueGate(queue: QueueService, { userIdOf }: GateOptions = {}): preHandlerAsyncHookHandler {
  return async (request) => {
    const claims = await queue.requireActive(queueTokenOf(request));
    const claimed = userIdOf?.(request);
    if (claimed !== undefined && claimed !== claims.userId) {
      throw forbidden(
        'QUEUE_TOKEN_USER_MISMATCH',
        `The queue token belongs to another user than ${claimed}.`,
      );
    }
    await queue.requireSale(claims, saleTarget(request));
    request.queueUser = claims;
  };
}
