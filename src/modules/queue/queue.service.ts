import type { Clock } from '../../clock.js';
import { AppError, forbidden, notFound, unauthorized } from '../../errors.js';
import { estimateWaitSeconds } from './eta.js';
import { preQueue } from './pre-queue.js';
import type { QueueStore } from './queue-store.js';
import type { QueueTicker } from './queue-ticker.js';
import type { TokenClaims, TokenSigner } from './queue-token.js';
import { defaultRoomOnly, PRE_QUEUE_SEQ, type RoomDirectory, type SaleTarget } from './room-directory.js';
import type { TokenStatus } from './room-view.js';

export interface QueueStatus {
  userId: number;
  status: 'WAITING' | 'ACTIVE' | 'PRE_QUEUE';
  active: boolean;
  /** 1-based place among waiters; 0 once active; absent in the pre-queue (no place before the draw). */
  position?: number;
  /** In the pre-queue: when the sale opens and the draw gives places. */
  opensAt?: string;
  /** In the pre-queue: how you appear in the published draw (GET /sales/{concertId}/fairness). */
  entrant?: { salt: string; hash: string };
  expiresAt: string;
  estimatedWaitSeconds: number | null;
  refreshAfterSeconds: number;
  /** Once active: a token that carries the admission's expiry; after the draw: the drawn place. */
  token?: string;
  /** Once active and idle: when the slot is freed unless the user acts (QUEUE_ACTIVE_IDLE_SECONDS). */
  idleDeadline?: string;
}

export interface QueueServiceDeps {
  store: QueueStore;
  ticker: QueueTicker;
  signer: TokenSigner;
  clock: Clock;
  userExists(userId: number): Promise<boolean>;
  /** The room of the spec's routes. */
  room: string;
  idleTimeoutSeconds: number;
  /** Per-sale rooms (POST /waiting/issue with concertId). */
  rooms?: RoomDirectory;
}

export type QueueService = ReturnType<typeof createQueueService>;

export const storeUnavailable = () =>
  new AppError('QUEUE_STORE_UNAVAILABLE', 503, 'The queue store does not answer; try again shortly.');

/** A store call whose failure (Redis unreachable, timed out) is a 503, never a 500 or a hang. */
export async function viaStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw storeUnavailable();
  }
}

export function createQueueService({
  store,
  ticker,
  signer,
  clock,
  userExists,
  room,
  idleTimeoutSeconds,
  rooms = defaultRoomOnly,
}: QueueServiceDeps) {
  // Waiters poll at least three times per idle window, so a live client never loses its place.
  const maxPollSeconds = Math.max(1, Math.floor(idleTimeoutSeconds / 3));

  // A waiting place's expiry is "now + the idle window": thousands of checks per second share
  // each millisecond, so its text is made once per millisecond, not once per check.
  let expiryFor = Number.NaN;
  let expiryText = '';
  const waitingExpiry = (now: number) => {
    if (now !== expiryFor) {
      expiryFor = now;
      expiryText = new Date(now + idleTimeoutSeconds * 1000).toISOString();
    }
    return expiryText;
  };

  /** `given`: the token the caller sent, returned as is when it already says what a new one would. */
  function describe(claims: TokenClaims, status: TokenStatus, now: number, given?: string): QueueStatus {
    const { userId } = claims;
    if (status.state === 'ACTIVE') {
      const remaining = Math.max(1, Math.ceil((status.activeUntil - now) / 1000));
      const idleDeadline = ticker.view(claims.room).idleDeadline(claims);
      return {
        userId,
        status: 'ACTIVE',
        active: true,
        position: 0,
        expiresAt: new Date(status.activeUntil).toISOString(),
        estimatedWaitSeconds: 0,
        refreshAfterSeconds: remaining,
        // An admitted user polling with the token of the admission gets that token back (the
        // same text a new signature would give, without the HMAC).
        token:
          given !== undefined && claims.activeUntil === status.activeUntil
            ? given
            : signer.sign({ ...claims, activeUntil: status.activeUntil }),
        ...(idleDeadline === undefined ? {} : { idleDeadline: new Date(idleDeadline).toISOString() }),
      };
    }
    if (status.state !== 'WAITING') throw expired();
    const eta = estimateWaitSeconds(status.position, ticker.view(claims.room).rates(), ticker.tickMs);
    const refresh = eta === null ? 5 : Math.ceil(eta / 2);
    return {
      userId,
      status: 'WAITING',
      active: false,
      position: status.position,
      expiresAt: waitingExpiry(now),
      estimatedWaitSeconds: eta,
      refreshAfterSeconds: Math.min(Math.max(refresh, 1), maxPollSeconds),
    };
  }

  const { preQueued, resolvePreQueue, isStatus } = preQueue({
    rooms,
    ticker,
    idleTimeoutSeconds,
    maxPollSeconds,
  });

  const expired = () =>
    unauthorized('QUEUE_TOKEN_EXPIRED', 'The queue token has expired; issue a new one to queue again.');

  /** The claims of an authentic token, or 401. Says nothing about whether it is live. */
  function authenticate(token: string | undefined): TokenClaims {
    if (!token) throw unauthorized('QUEUE_TOKEN_MISSING', 'The X-Queue-Token header is required.');
    const claims = signer.verify(token);
    if (!claims)
      throw unauthorized('QUEUE_TOKEN_INVALID', 'The queue token is malformed or its signature is wrong.');
    return claims;
  }

  /** The token's status from the token and this process's per-tick view: no store call. */
  function statusOf(claims: TokenClaims, now: number): TokenStatus {
    const status = ticker.status(claims, now);
    if (status.state === 'WAITING') ticker.view(claims.room).see(claims, now);
    return status;
  }

  return {
    authenticate,

    /**
     * A place in line (or the user's live one). A token of the same user may come
     * with it: after a store loss, its signed place is taken back instead of a new one.
     */
    async issue(
      userId: number,
      token?: string,
      concertId?: number,
    ): Promise<QueueStatus & { token: string }> {
      if (!(await userExists(userId))) throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
      let now = clock.now();
      const entry =
        concertId === undefined
          ? ({ kind: 'LINE', room } as const)
          : await rooms.enter(concertId, userId, now);
      now = clock.now();
      const room_ = entry.room;
      if (entry.kind === 'PRE_QUEUE') {
        const claims = { userId, room: room_, seq: PRE_QUEUE_SEQ, issuedAt: entry.joinedAt };
        ticker.view(room_);
        const status = { ...preQueued(userId, entry.opensAt, now), entrant: { ...entry.entrant } };
        return { ...status, token: signer.sign(claims) };
      }
      const held = token ? signer.verify(token) : null;
      const claim =
        entry.drawn ?? (held?.userId === userId && held.room === room_ && held.seq !== 0 ? held : undefined);
      if (claim) {
        // An admitted user's own token says so by itself (even if the store lost the admission).
        const claimed = { ...claim, room: room_ };
        const held = ticker.status(claimed, now);
        if (held.state === 'ACTIVE') {
          ticker.view(room_).seeActive(claimed, now); // issuing again is activity too
          const described = describe(claimed, held, now);
          return { ...described, token: described.token! };
        }
      }
      let placement = await viaStore(() => store.issue(room_, userId, now, claim));
      if (placement.state === 'ACTIVE') {
        const { seq, issuedAt, activeUntil } = placement;
        if (ticker.status({ userId, room: room_, seq, issuedAt, activeUntil }, now).state === 'EXPIRED') {
          // A paid place whose store entry outlived the payment (its expiry failed while the
          // store was away): every check refuses that token, so end the entry and queue anew.
          await viaStore(() => store.expire(room_, userId, seq));
          placement = await viaStore(() => store.issue(room_, userId, now));
        }
      }
      const claims: TokenClaims = { userId, room: room_, seq: placement.seq, issuedAt: placement.issuedAt };
      const view = ticker.view(room_);
      view.maxSeq = Math.max(view.maxSeq, placement.seq);
      if (placement.state === 'ACTIVE') {
        view.seeActive(claims, now);
        const status = { state: 'ACTIVE', activeUntil: placement.activeUntil } as const;
        const described = describe(claims, status, now);
        return { ...described, token: described.token! };
      }
      view.seen.set(userId, { ...claims, at: now });
      const status = { state: 'WAITING', position: placement.position } as const;
      return { ...describe(claims, status, now), token: signer.sign(claims) };
    },

    /** The live status of a token, or 401 when it expired, was abandoned or was paid with. */
    async check(token: string | undefined): Promise<QueueStatus> {
      const now = clock.now();
      const original = authenticate(token);
      const resolved = resolvePreQueue(original, now);
      if (isStatus(resolved)) return resolved;
      const claims = resolved;
      const status = ticker.status(claims, now);
      if (status.state === 'WAITING' && status.unconfirmed) {
        // Rare: this process has not seen the waiter for a whole idle window (others may
        // have). One store call settles it; while the store is down, the token answers.
        const seen = await store.lastSeen(claims.room, claims.userId, claims.seq).catch(() => undefined);
        if (seen === null || (seen !== undefined && seen + idleTimeoutSeconds * 1000 <= now)) throw expired();
      }
      if (status.state === 'WAITING') ticker.view(claims.room).see(claims, now);
      // A check (or opening a stream) with an admitted token counts as activity: "still here".
      if (status.state === 'ACTIVE') ticker.view(claims.room).seeActive(claims, now);
      // A pre-queue token gets the token of its drawn place, to use from now on.
      if (original.seq !== PRE_QUEUE_SEQ) return describe(claims, status, now, token);
      const described = describe(claims, status, now);
      return { ...described, token: described.token ?? signer.sign(claims) };
    },

    /** The status of an authentic token for a stream: null once it ended. Marks a waiter as seen. */
    statusOf(token: TokenClaims): QueueStatus | null {
      const now = clock.now();
      const resolved = resolvePreQueue(token, now);
      if (isStatus(resolved)) return resolved;
      const claims = resolved;
      const status = statusOf(claims, now);
      return status.state === 'EXPIRED' ? null : describe(claims, status, now);
    },

    /** The claims of a live, active token: 401 when missing/forged/expired, 403 while still waiting. */
    requireActive(token: string | undefined): TokenClaims {
      const resolved = resolvePreQueue(authenticate(token), clock.now());
      if (isStatus(resolved))
        throw forbidden('QUEUE_NOT_ACTIVE', `In the pre-queue: the sale opens at ${resolved.opensAt}.`);
      const claims = resolved;
      const status = statusOf(claims, clock.now());
      if (status.state === 'EXPIRED') throw expired();
      if (status.state === 'WAITING') {
        throw forbidden('QUEUE_NOT_ACTIVE', `Still waiting in the queue at position ${status.position}.`);
      }
      // Every gated request is activity: it keeps the slot from being freed for idleness.
      ticker.view(claims.room).seeActive(claims, clock.now());
      return claims;
    },

    /** A hold made with this admitted token: the user counts as busy until the hold ends. */
    holdUntil(claims: TokenClaims, until: number): void {
      ticker.view(claims.room).seeActive(claims, until);
    },

    /** 403 QUEUE_TOKEN_WRONG_SALE: a sale room's token for another concert, a default-room token for an operator's hold. */
    async requireSale(claims: TokenClaims, target: SaleTarget): Promise<void> {
      const own = rooms.concertOf(claims.room);
      if (own === undefined) {
        // The default room admits to the demo catalog, as before rooms. An operator's sale is
        // entered through its own line only: a default-room token must not skip it. A hold is
        // the way in; paying for or giving back one's own hold needs no second check (the
        // hold needed the sale's token, and ownership is checked with the reservation).
        if (target.concertId !== undefined && (await rooms.ownLineOnly(target.concertId))) {
          throw forbidden(
            'QUEUE_TOKEN_WRONG_SALE',
            `Concert ${target.concertId} sells through its own waiting room: join it with ` +
              `POST /waiting/issue {"concertId": ${target.concertId}}.`,
          );
        }
        return;
      }
      const concertId = await rooms.saleOf(target);
      if (concertId === undefined || own === concertId) return;
      throw forbidden(
        'QUEUE_TOKEN_WRONG_SALE',
        `This queue token admits to the sale of concert ${own} only, not concert ${concertId}.`,
      );
    },

    /** Ends the token at once (after a payment): dead here now, everywhere within a tick. */
    async expire(claims: TokenClaims): Promise<boolean> {
      ticker.view(claims.room).revoke(claims.seq, clock.now());
      return store.expire(claims.room, claims.userId, claims.seq);
    },
  };
}
