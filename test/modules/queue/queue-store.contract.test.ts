import { afterEach, describe, expect, it } from 'vitest';
import type { QueueSettings, QueueStore } from '../../../src/modules/queue/queue-store.js';
import { createTestQueueStore, storeKinds } from '../../helpers/stores.js';

const SETTINGS: QueueSettings = {
  admitPerTick: 100,
  maxActive: 1_000_000,
  tickMs: 1000,
  idleTimeoutMs: 60_000,
  activeTtlMs: 600_000,
  rateWindowMs: 60_000,
};
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

describe.each(storeKinds())('QueueStore contract: %s', (kind) => {
  const stores: QueueStore[] = [];
  const open = (settings: Partial<QueueSettings> = {}) => {
    const store = createTestQueueStore(kind, { ...SETTINGS, ...settings });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('queues users in arrival order and gives a returning user the same token and place', async () => {
    const store = open();
    const first = await store.issue(7, 'token-7', T0);
    const second = await store.issue(8, 'token-8', T0);
    expect(first.entry).toMatchObject({ state: 'WAITING', tokenId: 'token-7', position: 1 });
    expect(second.entry).toMatchObject({ state: 'WAITING', tokenId: 'token-8', position: 2 });
    const again = await store.issue(7, 'another-token', T0 + 5);
    expect(again.entry).toMatchObject({ state: 'WAITING', tokenId: 'token-7', position: 1 });
    expect(await store.counts()).toEqual({ waiting: 2, active: 0 });
  });

  it('keeps FIFO order under 1,000 concurrent issues', async () => {
    const store = open({ admitPerTick: 100 });
    const users = Array.from({ length: 1000 }, (_, i) => i + 1);
    const issued = await Promise.all(users.map((u) => store.issue(u, `t${u}`, T0)));
    const positionOf = new Map(
      issued.map((view, i) => [users[i]!, (view.entry as { position: number }).position]),
    );
    expect([...positionOf.values()].sort((a, b) => a - b)).toEqual(users);

    // Each tick admits exactly the next 100 places, in order.
    for (let tick = 1; tick <= 10; tick++) {
      const now = T0 + tick * 1000;
      expect((await store.admit(now)).admitted).toBe(100);
      const states = await Promise.all(users.map((u) => store.check(u, `t${u}`, now)));
      users.forEach((u, i) => {
        const shouldBeActive = positionOf.get(u)! <= tick * 100;
        expect(states[i]!.entry?.state).toBe(shouldBeActive ? 'ACTIVE' : 'WAITING');
        if (!shouldBeActive)
          expect(states[i]!.entry).toMatchObject({ position: positionOf.get(u)! - tick * 100 });
      });
    }
  });

  it('gives one place per user under 100 concurrent duplicate issues', async () => {
    const store = open();
    await store.issue(1, 'first-in-line', T0);
    const views = await Promise.all(Array.from({ length: 100 }, (_, i) => store.issue(2, `dup-${i}`, T0)));
    const tokenIds = new Set(views.map((view) => view.entry.tokenId));
    expect(tokenIds.size).toBe(1);
    expect(new Set(views.map((view) => (view.entry as { position: number }).position))).toEqual(new Set([2]));
    expect(await store.counts()).toEqual({ waiting: 2, active: 0 });
  });

  it('admits no more than the rate per tick and never more than the cap', async () => {
    const store = open({ admitPerTick: 10, maxActive: 25 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.issue(i + 1, `t${i + 1}`, T0)));
    const admitted: number[] = [];
    for (let tick = 1; tick <= 5; tick++) {
      admitted.push((await store.admit(T0 + tick * 1000)).admitted);
      expect((await store.counts()).active).toBeLessThanOrEqual(25);
    }
    expect(admitted).toEqual([10, 10, 5, 0, 0]);
    // A second tick in the same time slot (another process) admits nothing.
    expect(await store.admit(T0 + 5500)).toMatchObject({ ran: false, admitted: 0 });
    // A finished payment frees a slot for the next tick.
    expect(await store.expire(1, 't1')).toBe(true);
    expect((await store.admit(T0 + 6000)).admitted).toBe(1);
    expect(await store.counts()).toEqual({ waiting: 74, active: 25 });
  });

  it('drops idle waiters and gives their place to the next', async () => {
    const store = open({ idleTimeoutMs: 10_000, admitPerTick: 1 });
    await store.issue(1, 'a', T0);
    await store.issue(2, 'b', T0);
    await store.issue(3, 'c', T0);
    // Users 2 and 3 keep polling; user 1 goes quiet.
    for (const at of [T0 + 4000, T0 + 8000, T0 + 12_000]) {
      await store.check(2, 'b', at);
      await store.check(3, 'c', at);
    }
    expect((await store.check(1, 'a', T0 + 12_000)).entry).toBeNull();
    expect(await store.admit(T0 + 12_000)).toMatchObject({ admitted: 1, abandoned: 1 });
    expect((await store.check(2, 'b', T0 + 12_500)).entry?.state).toBe('ACTIVE');
    expect((await store.check(3, 'c', T0 + 12_500)).entry).toMatchObject({ state: 'WAITING', position: 1 });
    // Coming back after abandoning means a new place at the back.
    const back = await store.issue(1, 'a2', T0 + 13_000);
    expect(back.entry).toMatchObject({ state: 'WAITING', tokenId: 'a2', position: 2 });
  });

  it('expires active tokens after their time and frees the slot', async () => {
    const store = open({ activeTtlMs: 30_000, maxActive: 1, admitPerTick: 5 });
    await store.issue(1, 'a', T0);
    await store.issue(2, 'b', T0);
    await store.admit(T0 + 1000);
    expect((await store.check(1, 'a', T0 + 30_999)).entry).toMatchObject({
      state: 'ACTIVE',
      expiresAt: T0 + 31_000,
    });
    expect((await store.check(1, 'a', T0 + 31_000)).entry).toBeNull();
    await store.check(2, 'b', T0 + 30_000);
    expect(await store.admit(T0 + 31_000)).toMatchObject({ admitted: 1, expired: 1 });
    expect((await store.check(2, 'b', T0 + 31_500)).entry?.state).toBe('ACTIVE');
  });

  it('rejects a token that is not the user’s live one', async () => {
    const store = open();
    await store.issue(1, 'real', T0);
    expect((await store.check(1, 'other', T0)).entry).toBeNull();
    expect((await store.check(99, 'real', T0)).entry).toBeNull();
    expect(await store.expire(1, 'other')).toBe(false);
  });

  it('reports no admission rate before the first admission, then the measured one', async () => {
    const store = open({ admitPerTick: 10 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.issue(i + 1, `t${i + 1}`, T0)));
    expect((await store.check(50, 't50', T0)).admissionRate).toBeNull();
    await store.admit(T0 + 1000);
    await store.admit(T0 + 2000);
    const view = await store.check(50, 't50', T0 + 2000);
    expect(view.admissionRate).toBeCloseTo(10, 5); // 20 admitted over two 1 s ticks
  });
});
