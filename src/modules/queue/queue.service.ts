import type { Clock } from '../../clock.js';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import type { QueueEntry, QueueStore } from './queue-store.js';
import type { TokenClaims, TokenSigner } from './queue-token.js';

export interface QueueStatus {
  userId: number;
  status: 'WAITING' | 'ACTIVE';
  active: boolean;
  /** 1-based place among waiters; 0 once active. */
  position: number;
  expiresAt: string;
  estimatedWaitSeconds: number | null;
  refreshAfterSeconds: number;
}

export interface QueueServiceDeps {
  store: QueueStore;
  signer: TokenSigner;
  clock: Clock;
  userExists(userId: number): Promise<boolean>;
  idleTimeoutSeconds: number;
}

export type QueueService = ReturnType<typeof createQueueService>;

export function createQueueService({
  store,
  signer,
  clock,
  userExists,
  idleTimeoutSeconds,
}: QueueServiceDeps) {
  // Waiters poll at least three times per idle window, so a live client never loses its place.
  const maxPollSeconds = Math.max(1, Math.floor(idleTimeoutSeconds / 3));

  function describe(userId: number, entry: QueueEntry, rate: number | null, now: number): QueueStatus {
    const expiresAt = new Date(entry.expiresAt).toISOString();
    if (entry.state === 'ACTIVE') {
      const remaining = Math.max(1, Math.ceil((entry.expiresAt - now) / 1000));
      return {
        userId,
        status: 'ACTIVE',
        active: true,
        position: 0,
        expiresAt,
        estimatedWaitSeconds: 0,
        refreshAfterSeconds: remaining,
      };
    }
    // Being admitted takes `position` admissions: those ahead, then you.
    const eta = rate === null ? null : Math.ceil(entry.position / rate);
    const refresh = eta === null ? 5 : Math.ceil(eta / 2);
    return {
      userId,
      status: 'WAITING',
      active: false,
      position: entry.position,
      expiresAt,
      estimatedWaitSeconds: eta,
      refreshAfterSeconds: Math.min(Math.max(refresh, 1), maxPollSeconds),
    };
  }

  /** The claims of an authentic token, or 401. Says nothing about whether it is live. */
  function authenticate(token: string | undefined): TokenClaims {
    if (!token) throw unauthorized('QUEUE_TOKEN_MISSING', 'The X-Queue-Token header is required.');
    const claims = signer.verify(token);
    if (!claims)
      throw unauthorized('QUEUE_TOKEN_INVALID', 'The queue token is malformed or its signature is wrong.');
    return claims;
  }

  return {
    authenticate,

    async issue(userId: number): Promise<QueueStatus & { token: string }> {
      if (!(await userExists(userId))) throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
      const now = clock.now();
      const { entry, admissionRate } = await store.issue(userId, signer.newTokenId(), now);
      const token = signer.sign({ userId, tokenId: entry.tokenId });
      return { token, ...describe(userId, entry, admissionRate, now) };
    },

    /** The live status of a token, or 401 when it expired, was abandoned or was replaced. */
    async check(token: string | undefined): Promise<QueueStatus> {
      const claims = authenticate(token);
      const now = clock.now();
      const { entry, admissionRate } = await store.check(claims.userId, claims.tokenId, now);
      if (!entry) {
        throw unauthorized(
          'QUEUE_TOKEN_EXPIRED',
          'The queue token has expired; issue a new one to queue again.',
        );
      }
      return describe(claims.userId, entry, admissionRate, now);
    },

    /** The claims of a live, active token: 401 when missing/forged/expired, 403 while still waiting. */
    async requireActive(token: string | undefined): Promise<TokenClaims> {
      const claims = authenticate(token);
      const { entry } = await store.check(claims.userId, claims.tokenId, clock.now());
      if (!entry) throw unauthorized('QUEUE_TOKEN_EXPIRED', 'The queue token has expired; issue a new one.');
      if (entry.state !== 'ACTIVE') {
        throw forbidden('QUEUE_NOT_ACTIVE', `Still waiting in the queue at position ${entry.position}.`);
      }
      return claims;
    },

    expire: (claims: TokenClaims) => store.expire(claims.userId, claims.tokenId),
  };
}
