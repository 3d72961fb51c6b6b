import type { QueueStatus } from './queue.service.js';
import type { QueueTicker } from './queue-ticker.js';
import type { TokenClaims } from './queue-token.js';
import { PRE_QUEUE_SEQ, type RoomDirectory } from './room-directory.js';

export interface PreQueueDeps {
  rooms: RoomDirectory;
  ticker: QueueTicker;
  idleTimeoutSeconds: number;
  maxPollSeconds: number;
}

/** The pre-queue side of the queue service: statuses before a sale's draw, drawn places after it. */
export function preQueue({ rooms, ticker, idleTimeoutSeconds, maxPollSeconds }: PreQueueDeps) {
  function preQueued(userId: number, opensAt: number, now: number): QueueStatus {
    const until = Math.max(1, Math.ceil((opensAt - now) / 1000));
    return {
      userId,
      status: 'PRE_QUEUE',
      active: false,
      opensAt: new Date(opensAt).toISOString(),
      // Nothing to keep alive before the draw (the entry is in PostgreSQL); after it, the usual idle rule.
      expiresAt: new Date(Math.max(opensAt, now) + idleTimeoutSeconds * 1000).toISOString(),
      estimatedWaitSeconds: null,
      refreshAfterSeconds: Math.min(until, maxPollSeconds),
    };
  }

  return {
    preQueued,
    /** A pre-queue token's drawn place (to sign a token for), or its pre-queue status before the draw. */
    resolvePreQueue(claims: TokenClaims, now: number): TokenClaims | QueueStatus {
      if (claims.seq !== PRE_QUEUE_SEQ) return claims;
      const drawn = rooms.drawnPlace(claims);
      if (drawn) return { ...drawn, room: claims.room };
      ticker.view(claims.room); // ticked from now on: its draw gets loaded in this process too
      return preQueued(claims.userId, rooms.opensAt(claims.room) ?? now, now);
    },
    isStatus: (value: TokenClaims | QueueStatus): value is QueueStatus => 'status' in value,
  };
}
