import type { onResponseHookHandler } from 'fastify';
import type { Clock } from '../clock.js';
import type { HealthWindow } from '../modules/queue/health-window.js';
import { operationOf } from './metrics.js';
import { IGNORED } from './response-counter.js';

/**
 * Feeds adaptive admission: every API response's status, and the latency of holds and
 * payments (both route sets), into this process's health window. O(1) per response.
 */
export function healthRecorder(health: HealthWindow, clock: Clock): onResponseHookHandler {
  return (request, reply, done) => {
    const route = request.routeOptions.url ?? '';
    if (!IGNORED.test(route)) {
      const operation = operationOf(request.method, route);
      const critical = operation === 'hold' || operation === 'payment';
      health.record(clock.now(), reply.elapsedTime, reply.statusCode, critical);
    }
    done();
  };
}
