import type { ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import type { QueueService, QueueStatus } from './queue.service.js';
import type { TokenClaims } from './queue-token.js';

interface Stream {
  claims: TokenClaims;
  res: ServerResponse;
  /** The id of the last event sent (it encodes the state, so a reconnect can skip a repeat). */
  lastId: string;
}

export interface StreamStats {
  streams: number;
  /** The last fan-out: how long it took and how many events it sent. */
  fanoutMs: number;
  sent: number;
}

/** An event's id names the state it reports, so `Last-Event-ID` tells what the client has seen. */
function eventOf(status: QueueStatus | null): { name: string; id: string } {
  if (!status) return { name: 'expired', id: 'expired' };
  // Idle admitted users are warned before their slot is freed; acting brings back `active`.
  if (status.active && status.idleDeadline)
    return { name: 'idle-warning', id: `w${Date.parse(status.idleDeadline)}` };
  if (status.active) return { name: 'active', id: `a${Date.parse(status.expiresAt)}` };
  return { name: 'position', id: `p${status.position}.${status.estimatedWaitSeconds ?? 'n'}` };
}

/**
 * Server-Sent Events for waiters: one registry per process, fanned out once per
 * tick by arithmetic on the per-tick state (the same as a check: no store call per
 * connection). A stream that is open keeps its waiter's place alive, like polling.
 */
export function createQueueStreams(queue: QueueService, clock: Clock, heartbeatMs: number) {
  const streams = new Set<Stream>();
  const stats: StreamStats = { streams: 0, fanoutMs: 0, sent: 0 };

  function send(stream: Stream, status: QueueStatus | null, at: number): boolean {
    const { name, id } = eventOf(status);
    if (id === stream.lastId) return false;
    stream.lastId = id;
    const data = status ? { ...status, at } : { status: 'EXPIRED', at };
    stream.res.write(`id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    if (!status) close(stream);
    return true;
  }

  function close(stream: Stream): void {
    streams.delete(stream);
    stream.res.end();
  }

  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.res.write(`event: heartbeat\ndata: {}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();

  return {
    stats: (): StreamStats => ({ ...stats, streams: streams.size }),

    /** Starts a stream on an authenticated token; the first event (or a heartbeat, on a repeat) goes at once. */
    open(claims: TokenClaims, res: ServerResponse, lastEventId: string | undefined): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 2000\n\n`);
      const stream: Stream = { claims, res, lastId: lastEventId ?? '' };
      streams.add(stream);
      res.on('close', () => streams.delete(stream));
      if (!send(stream, queue.statusOf(claims), clock.now())) res.write(`event: heartbeat\ndata: {}\n\n`);
    },

    /** After every tick: each stream's status from the new state; an event only when it changed. */
    fanOut(now: number): void {
      const started = performance.now();
      let sent = 0;
      for (const stream of streams) if (send(stream, queue.statusOf(stream.claims), now)) sent += 1;
      stats.fanoutMs = performance.now() - started;
      stats.sent = sent;
    },

    close(): void {
      clearInterval(heartbeat);
      for (const stream of streams) close(stream);
    },
  };
}

export type QueueStreams = ReturnType<typeof createQueueStreams>;
