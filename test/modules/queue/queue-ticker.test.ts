import { describe, expect, it } from 'vitest';
import { MemoryQueueStore } from '../../../src/modules/queue/memory-queue-store.js';
import type { QueueSettings } from '../../../src/modules/queue/queue-store.js';
import {
  createQueueTicker,
  type PaidPlace,
  type RoomHooks,
} from '../../../src/modules/queue/queue-ticker.js';

const settings: QueueSettings = {
  admitPerTick: 1,
  maxActive: 10,
  tickMs: 500,
  idleTimeoutMs: 60_000,
  activeTtlMs: 60_000,
  rateWindowMs: 10_000,
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const timed = async (work: () => Promise<void>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/** Three waiters in one shared store, and a ticker (one process) whose PostgreSQL reads hang. */
async function setup(hang: { paid?: Promise<PaidPlace[]>; rooms?: Promise<readonly string[]> }) {
  const store = new MemoryQueueStore(settings);
  const now = 1_800_000_000_000;
  const places = [];
  for (let userId = 1; userId <= 3; userId++) {
    const { seq, issuedAt } = await store.issue('main', userId, now);
    places.push({ userId, room: 'main', seq, issuedAt });
  }
  const logged: string[] = [];
  const hooks: RoomHooks = {
    refresh: () => hang.rooms ?? Promise.resolve([]),
    prepare: async () => ({}),
  };
  const ticker = createQueueTicker({
    store,
    settings,
    rooms: ['main'],
    paidSince: () => hang.paid ?? Promise.resolve([]),
    log: { error: (_, message) => logged.push(message), info: (message) => logged.push(message) },
    hooks,
  });
  return { store, ticker, places, now, logged };
}

describe('the queue tick when PostgreSQL does not answer (a query left hanging by a restart)', () => {
  it('still admits and refreshes its view within a second, and does not wait for the same read again', async () => {
    const paid = deferred<PaidPlace[]>();
    const { ticker, places, now, logged } = await setup({ paid: paid.promise });
    const [first, second] = places;

    // Before: the tick awaited the revocation read for as long as it hung (12–19 s in the chaos
    // run), so this process's view stood still while the other processes went on admitting.
    const firstTick = await timed(() => ticker.tick(now));
    expect(firstTick).toBeLessThan(1_800);
    expect(ticker.status(first!, now).state).toBe('ACTIVE'); // admitted by this tick, seen at once
    expect(ticker.status(second!, now)).toMatchObject({ state: 'WAITING', position: 1 });
    expect(logged.filter((m) => m.includes('no answer within'))).toHaveLength(1);

    // The read is still out: the next tick neither waits for it nor starts a second one.
    const secondTick = await timed(() => ticker.tick(now + 500));
    expect(secondTick).toBeLessThan(400);
    expect(ticker.status(second!, now + 500).state).toBe('ACTIVE');
    expect(logged.filter((m) => m.includes('no answer within'))).toHaveLength(1);

    // When the read lands, its revocations apply: a token ended by a payment is dead here too.
    paid.resolve([{ room: 'main', seq: first!.seq, paidAt: now + 600 }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ticker.status(first!, now + 700).state).toBe('EXPIRED');
  });

  it('does not wait on a hanging read of the sale rooms either', async () => {
    const rooms = deferred<readonly string[]>();
    const { ticker, places, now } = await setup({ rooms: rooms.promise });
    expect(await timed(() => ticker.tick(now))).toBeLessThan(1_800);
    expect(ticker.status(places[0]!, now).state).toBe('ACTIVE');
    expect(await timed(() => ticker.tick(now + 500))).toBeLessThan(400);
    expect(ticker.status(places[1]!, now + 500).state).toBe('ACTIVE');
    rooms.resolve([]);
  });

  it('waits for a read that answers in time: revocations are known within the tick', async () => {
    const { places, now } = await setup({});
    const answered = deferred<PaidPlace[]>();
    const slow = createQueueTicker({
      store: new MemoryQueueStore(settings),
      settings,
      rooms: ['main'],
      paidSince: () => answered.promise,
      log: { error: () => {}, info: () => {} },
    });
    setTimeout(() => answered.resolve([{ room: 'main', seq: places[2]!.seq, paidAt: now }]), 300);
    await slow.tick(now);
    expect(slow.status(places[2]!, now).state).toBe('EXPIRED');
  });
});
