import { describe, expect, it } from 'vitest';
import { MemoryQueueStore } from '../../../src/modules/queue/memory-queue-store.js';
import type { QueueSettings } from '../../../src/modules/queue/queue-store.js';
import { RoomView } from '../../../src/modules/queue/room-view.js';

const settings: QueueSettings = {
  admitPerTick: 1,
  maxActive: 1,
  tickMs: 500,
  idleTimeoutMs: 6000,
  activeTtlMs: 60_000,
  rateWindowMs: 10_000,
};

/** A place's position as a check answers it: from the last tick's state, not a store call. */
async function positionsAfterJoiningBetweenTicks(alreadyWaiting: number, joining: number) {
  const store = new MemoryQueueStore(settings);
  const view = new RoomView(settings);
  let now = 1_000_000;
  const seqs: number[] = [];
  for (let userId = 1; userId <= alreadyWaiting; userId++)
    seqs.push((await store.issue('main', userId, now)).seq);
  await store.admit('main', now, { floorSeq: 0, floorBoundary: 0 });
  view.apply((await store.view('main', 0))!, now);
  now += 100; // before the next tick
  const exact: number[] = [];
  for (let userId = 100; userId < 100 + joining; userId++) {
    const placed = await store.issue('main', userId, now);
    seqs.push(placed.seq);
    if (placed.state === 'WAITING') exact.push(placed.position);
  }
  return { exact, shown: seqs.slice(alreadyWaiting).map((seq) => view.position(seq)) };
}

describe('a waiter’s position between two ticks', () => {
  it('counts those who joined an empty line before the first tick (was 1 for everyone)', async () => {
    const store = new MemoryQueueStore(settings);
    const view = new RoomView(settings);
    const now = 1_000_000;
    await store.admit('main', now, { floorSeq: 0, floorBoundary: 0 }); // nobody waits yet
    view.apply((await store.view('main', 0))!, now);
    const seqs: number[] = [];
    for (let userId = 1; userId <= 4; userId++) {
      const { seq, issuedAt } = await store.issue('main', userId, now + 10);
      view.see({ userId, seq, issuedAt }, now + 10); // as the service does on issue
      seqs.push(seq);
    }
    expect(seqs.map((seq) => view.position(seq))).toEqual([1, 2, 3, 4]);
  });

  it('places newcomers behind the waiters of the last tick, as the store does', async () => {
    const { exact, shown } = await positionsAfterJoiningBetweenTicks(3, 3);
    // One of the three was admitted at the tick: two wait, the newcomers are 3rd, 4th and 5th.
    expect(exact).toEqual([3, 4, 5]);
    expect(shown).toEqual(exact);
  });

  it('is exact for the sampled head once a tick has seen the waiters', async () => {
    const store = new MemoryQueueStore(settings);
    const view = new RoomView(settings);
    const now = 1_000_000;
    const seqs: number[] = [];
    for (let userId = 1; userId <= 5; userId++) seqs.push((await store.issue('main', userId, now)).seq);
    await store.admit('main', now + 500, { floorSeq: 0, floorBoundary: 0 });
    view.apply((await store.view('main', 0))!, now + 500);
    expect(seqs.slice(1).map((seq) => view.position(seq))).toEqual([1, 2, 3, 4]);
  });
});
