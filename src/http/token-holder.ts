import type { preHandlerAsyncHookHandler } from 'fastify';
import type { QueueService } from '../modules/queue/queue.service.js';
import { queueTokenOf, saleTarget } from './queue-gate.js';

/**
 * For routes that only give something back (release, refund): the caller is the user
 * an authentic queue token names, live or expired. A payment expires the token, and a
 * fan who wants a refund must not have to queue again behind a rush of buyers to hand
 * a seat back; the route itself checks that the reservation is this user's.
 * Missing or forged token → 401, as at the queue gate.
 */
export function tokenHolder(queue: QueueService): preHandlerAsyncHookHandler {
  return async (request) => {
    const claims = queue.authenticate(queueTokenOf(request));
    await queue.requireSale(claims, saleTarget(request));
    request.queueUser = claims;
  };
}
