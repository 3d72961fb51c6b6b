import { describe, expect, it } from 'vitest';
import { MemoryQueueStore } from '../../../src/modules/queue/memory-queue-store.js';
import { createQueueService } from '../../../src/modules/queue/queue.service.js';
import type { QueueSettings, QueueStore } from '../../../src/modules/queue/queue-store.js';
import { createQueueTicker } from '../../../src/modules/queue/queue-ticker.js';
import { createTokenSigner } from '../../../src/modules/queue/queue-token.js';
import { ManualClock } from '../../helpers/clock.js';

const settings: QueueSettings = {
  admitPerTick: 1,
  maxActive: 10,
  tickMs: 1000,
  idleTimeoutMs: 60_000,
  activeTtlMs: 600_000,
  rateWindowMs: 10_000,
};

describe('issue after a payment whose store expiry failed', () => {
  it('queues the user anew instead of handing back the paid, revoked admission', async () => {
    const clock = new ManualClock();
    const memory = new MemoryQueueStore(settings);
    let storeDown = false;
    // The store as seen while Redis is away: the expiry that follows a payment's commit fails.
    const store: QueueStore = Object.assign(Object.create(memory) as QueueStore, {
      expire: (room: string, userId: number, seq: number) =>
        storeDown ? Promise.reject(new Error('Redis is down')) : memory.expire(room, userId, seq),
    });
    const ticker = createQueueTicker({
      store,
      settings,
      rooms: ['main'],
      paidSince: async () => [],
      log: { error: () => {}, info: () => {} },
    });
    const queue = createQueueService({
      store,
      ticker,
      signer: createTokenSigner('s'.repeat(32)),
      clock,
      userExists: async () => true,
      room: 'main',
      idleTimeoutSeconds: 60,
    });
    const waiting = await queue.issue(7);
    await ticker.tick(clock.now());
    const active = await queue.check(waiting.token);
    expect(active.status).toBe('ACTIVE');
    // The payment commits and ends the token; its store expiry fails (Redis down).
    storeDown = true;
    await expect(queue.expire(queue.authenticate(active.token))).rejects.toThrow();
    storeDown = false;
    clock.advance(1000);
    await expect(queue.check(active.token)).rejects.toMatchObject({
      status: 401,
      code: 'QUEUE_TOKEN_EXPIRED',
    });
    // Before: issue returned the store's still-active entry, a token every check refused (401),
    // so a client that queued again looped issue → 401 until the admission ran out.
    const again = await queue.issue(7);
    expect(again.status).toBe('WAITING');
    expect((await queue.check(again.token)).status).toBe('WAITING');
  });
});
