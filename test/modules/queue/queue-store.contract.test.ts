import { afterEach, describe, expect, it } from 'vitest';
import type {
  Placement,
  QueueSettings,
  QueueStore,
  RoomState,
} from '../../../src/modules/queue/queue-store.js';
import { createTestQueueStore, storeKinds, testRoom } from '../../helpers/stores.js';

const SETTINGS: QueueSettings = {
  admitPerTick: 100,
  maxActive: 1_000_000,
  tickMs: 1000,
  idleTimeoutMs: 60_000,
  activeTtlMs: 600_000,
  rateWindowMs: 60_000,
};
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const NO_HINTS = { floorSeq: 0, floorBoundary: 0 };
const positionOf = (placement: Placement) => (placement.state === 'WAITING' ? placement.position : 0);

/** A live waiter's place in the per-tick state: exact where sampled. */
function rankIn(state: RoomState, seq: number): number | undefined {
  const i = state.seqs.indexOf(seq);
  return i < 0 ? undefined : state.ranks[i];
}

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

  it('queues users in arrival order and gives a returning user the same place', async () => {
    const store = open();
    const room = testRoom();
    const first = await store.issue(room, 7, T0);
    const second = await store.issue(room, 8, T0);
    expect(first).toMatchObject({ state: 'WAITING', position: 1, issuedAt: T0 });
    expect(second).toMatchObject({ state: 'WAITING', position: 2 });
    expect(second.seq).toBeGreaterThan(first.seq);
    // The counter starts from the clock, so a store that lost its data never reuses a seq.
    expect(first.seq).toBeGreaterThan(T0 * 1000);
    expect(await store.issue(room, 7, T0 + 5)).toEqual(first);
    expect(await store.counts(room)).toEqual({ waiting: 2, active: 0 });
    expect(await store.counts(testRoom())).toEqual({ waiting: 0, active: 0 });
  });

  it('keeps FIFO order under 1,000 concurrent issues, admitting the next 100 places per tick', async () => {
    const store = open({ admitPerTick: 100 });
    const room = testRoom();
    const users = Array.from({ length: 1000 }, (_, i) => i + 1);
    const placed = await Promise.all(users.map((u) => store.issue(room, u, T0)));
    expect(placed.map(positionOf).sort((a, b) => a - b)).toEqual(users);
    const bySeq = [...placed].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map(positionOf)).toEqual(users);
    for (let tick = 1; tick <= 10; tick++) {
      expect((await store.admit(room, T0 + tick * 1000, NO_HINTS)).admitted).toBe(100);
      const state = (await store.view(room, 0))!;
      expect(state.boundary).toBe(bySeq[tick * 100 - 1]!.seq);
      expect(state.waiting).toBe(1000 - tick * 100);
      if (tick < 10) expect(rankIn(state, bySeq[tick * 100]!.seq)).toBe(1);
    }
    expect(await store.counts(room)).toEqual({ waiting: 0, active: 1000 });
  });

  it('gives one place per user under 100 concurrent duplicate issues', async () => {
    const store = open();
    const room = testRoom();
    await store.issue(room, 1, T0);
    const placed = await Promise.all(Array.from({ length: 100 }, () => store.issue(room, 2, T0)));
    expect(new Set(placed.map((p) => p.seq)).size).toBe(1);
    expect(new Set(placed.map(positionOf))).toEqual(new Set([2]));
    expect(await store.counts(room)).toEqual({ waiting: 2, active: 0 });
  });

  it('admits no more than the rate per tick, never more than the cap, once per time slot', async () => {
    const store = open({ admitPerTick: 10, maxActive: 25 });
    const room = testRoom();
    const placed = [];
    for (let u = 1; u <= 100; u++) placed.push(await store.issue(room, u, T0));
    const admitted: number[] = [];
    for (let tick = 1; tick <= 5; tick++) {
      admitted.push((await store.admit(room, T0 + tick * 1000, NO_HINTS)).admitted);
      expect((await store.counts(room)).active).toBeLessThanOrEqual(25);
    }
    expect(admitted).toEqual([10, 10, 5, 0, 0]);
    expect(await store.admit(room, T0 + 5500, NO_HINTS)).toMatchObject({ ran: false, admitted: 0 });
    // A finished payment frees a slot for the next tick; only the place's own seq ends it.
    expect(await store.expire(room, 1, placed[1]!.seq)).toBe(false);
    expect(await store.expire(room, 1, placed[0]!.seq)).toBe(true);
    expect((await store.admit(room, T0 + 6000, NO_HINTS)).admitted).toBe(1);
    expect(await store.counts(room)).toEqual({ waiting: 74, active: 25 });
    const state = (await store.view(room, 0))!;
    expect(state.history.reduce((sum, r) => sum + r.admitted, 0)).toBe(26);
    expect(state.history.every((r) => r.admitted <= 10)).toBe(true);
  });

  it('drops idle waiters (batched liveness keeps the others), lists them, and queues them anew', async () => {
    const store = open({ idleTimeoutMs: 10_000, admitPerTick: 1 });
    const room = testRoom();
    const a = await store.issue(room, 1, T0);
    const b = await store.issue(room, 2, T0);
    const c = await store.issue(room, 3, T0);
    for (const at of [T0 + 4000, T0 + 8000, T0 + 12_000]) {
      await store.touch(
        room,
        [b, c].map((p, i) => ({ userId: i + 2, seq: p.seq, issuedAt: p.issuedAt })),
        at,
      );
    }
    expect(await store.admit(room, T0 + 12_000, NO_HINTS)).toMatchObject({ admitted: 1, abandoned: 1 });
    expect(await store.lastSeen(room, 3, c.seq)).toBe(T0 + 12_000);
    expect(await store.lastSeen(room, 3, b.seq)).toBeNull();
    expect(await store.lastSeen(room, 1, a.seq)).toBeNull();
    expect(await store.lastSeen(room, 2, b.seq)).toBeNull(); // admitted: no longer waiting
    const state = (await store.view(room, 0))!;
    expect(state.dropped.map((d) => d.seq)).toEqual([a.seq]);
    expect(state.boundary).toBe(b.seq);
    expect(rankIn(state, c.seq)).toBe(1);
    expect((await store.view(room, T0 + 12_001))!.dropped).toEqual([]);
    // Neither a touch nor a claim brings a dropped place back: a new place at the back.
    expect(await store.touch(room, [{ userId: 1, seq: a.seq, issuedAt: T0 }], T0 + 12_500)).toBe(0);
    const back = await store.issue(room, 1, T0 + 13_000, { userId: 1, seq: a.seq, issuedAt: T0 });
    expect(back).toMatchObject({ state: 'WAITING', position: 2 });
    expect(back.seq).toBeGreaterThan(c.seq);
  });

  it('expires active places after their time and frees the slot', async () => {
    const store = open({ activeTtlMs: 30_000, maxActive: 1, admitPerTick: 5 });
    const room = testRoom();
    const a = await store.issue(room, 1, T0);
    await store.issue(room, 2, T0);
    await store.admit(room, T0 + 1000, NO_HINTS);
    expect(await store.issue(room, 1, T0 + 2000)).toEqual({
      state: 'ACTIVE',
      seq: a.seq,
      issuedAt: T0,
      activeUntil: T0 + 31_000,
    });
    await store.touch(room, [{ userId: 2, seq: a.seq + 1, issuedAt: T0 }], T0 + 30_000);
    expect(await store.admit(room, T0 + 31_000, NO_HINTS)).toMatchObject({ admitted: 1, expired: 1 });
    expect(await store.counts(room)).toEqual({ waiting: 0, active: 1 });
  });

  it('frees the slots of admitted users who stopped acting, warns first, and fills them in the same run', async () => {
    const store = open({ activeIdleMs: 20_000, maxActive: 2, admitPerTick: 5 });
    const room = testRoom();
    const [a, b, c] = [
      await store.issue(room, 1, T0),
      await store.issue(room, 2, T0),
      await store.issue(room, 3, T0),
    ];
    expect(await store.admit(room, T0 + 1000, NO_HINTS)).toMatchObject({ admitted: 2, released: 0 });
    // User 2 acts at +10 s (batched by a process); user 1 never does.
    await store.touch(room, [{ userId: 3, seq: c.seq, issuedAt: T0 }], T0 + 10_000, [
      { userId: 2, seq: b.seq, until: T0 + 10_000 },
    ]);
    expect(await store.admit(room, T0 + 17_000, NO_HINTS)).toMatchObject({ admitted: 0, released: 0 });
    let state = (await store.view(room, 0))!;
    // Within the warning time (a quarter of the window, 5 s): user 1's deadline, not user 2's.
    expect(state.idleDeadlines).toEqual([{ seq: a.seq, deadline: T0 + 21_000 }]);
    expect(state.dropped).toEqual([]);
    await store.touch(room, [{ userId: 3, seq: c.seq, issuedAt: T0 }], T0 + 20_000);
    // At the deadline the slot is freed and the next waiter takes it in the same run.
    expect(await store.admit(room, T0 + 21_000, NO_HINTS)).toMatchObject({ admitted: 1, released: 1 });
    state = (await store.view(room, 0))!;
    expect(state.dropped).toEqual([{ seq: a.seq, at: T0 + 21_000 }]);
    expect(state.boundary).toBe(c.seq);
    expect(await store.counts(room)).toEqual({ waiting: 0, active: 2 });
    // Late activity of a freed user changes nothing; issuing again (even with the token) is a new place.
    await store.touch(room, [], T0 + 21_500, [{ userId: 1, seq: a.seq, until: T0 + 21_500 }]);
    const again = await store.issue(room, 1, T0 + 22_000, { userId: 1, seq: a.seq, issuedAt: T0 });
    expect(again).toMatchObject({ state: 'WAITING', position: 1 });
    expect(again.seq).toBeGreaterThan(c.seq);
    // User 2's last act was at +10 s: freed at +30 s, and user 1 (waiting again) gets in.
    expect(await store.admit(room, T0 + 29_000, NO_HINTS)).toMatchObject({ released: 0 });
    expect(await store.admit(room, T0 + 30_000, NO_HINTS)).toMatchObject({ released: 1, admitted: 1 });
    expect((await store.view(room, T0 + 30_000))!.dropped).toEqual([{ seq: b.seq, at: T0 + 30_000 }]);
  });

  it('keeps the slot of a user with a live hold until the hold ends; a payment takes it out', async () => {
    const store = open({ activeIdleMs: 20_000, maxActive: 10 });
    const room = testRoom();
    const a = await store.issue(room, 1, T0);
    const b = await store.issue(room, 2, T0);
    await store.admit(room, T0 + 1000, NO_HINTS);
    // A hold until +300 s; a later plain request (busy until now) does not move it back.
    await store.touch(room, [], T0 + 5000, [{ userId: 1, seq: a.seq, until: T0 + 300_000 }]);
    await store.touch(room, [], T0 + 6000, [{ userId: 1, seq: a.seq, until: T0 + 6000 }]);
    await store.expire(room, 2, b.seq); // paid: no longer in any set
    expect(await store.admit(room, T0 + 100_000, NO_HINTS)).toMatchObject({ released: 0 });
    expect((await store.view(room, 0))!.idleDeadlines).toEqual([]);
    expect(await store.admit(room, T0 + 316_000, NO_HINTS)).toMatchObject({ released: 0 });
    expect((await store.view(room, 0))!.idleDeadlines).toEqual([{ seq: a.seq, deadline: T0 + 320_000 }]);
    expect(await store.admit(room, T0 + 320_000, NO_HINTS)).toMatchObject({ released: 1 });
    expect(await store.counts(room)).toEqual({ waiting: 0, active: 0 });
  });

  it('never frees an active slot for idleness when the window is off', async () => {
    const store = open({ activeIdleMs: 0, activeTtlMs: 600_000 });
    const room = testRoom();
    await store.issue(room, 1, T0);
    await store.admit(room, T0 + 1000, NO_HINTS);
    expect(await store.admit(room, T0 + 599_000, NO_HINTS)).toMatchObject({ released: 0, expired: 0 });
    expect((await store.view(room, 0))!.idleDeadlines).toEqual([]);
    expect(await store.counts(room)).toEqual({ waiting: 0, active: 1 });
  });

  it('after a data loss: the counter resumes above every seq, signed places come back in order', async () => {
    const before = open();
    const room = testRoom();
    const early = [];
    for (let u = 1; u <= 5; u++) early.push(await before.issue(room, u, T0));
    await before.admit(room, T0 + 1000, NO_HINTS);
    // A fresh store (another room name stands in for Redis restarted empty).
    const after = open({ admitPerTick: 2 });
    const lost = testRoom();
    const late = await after.issue(lost, 99, T0 + 5000);
    expect(late.seq).toBeGreaterThan(early[4]!.seq);
    // Waiters come back (a process's liveness flush, or an issue carrying the token).
    await after.touch(
      lost,
      early.slice(2, 4).map((p, i) => ({ userId: i + 3, seq: p.seq, issuedAt: T0 })),
      T0 + 5100,
    );
    expect(
      await after.issue(lost, 5, T0 + 5200, { userId: 5, seq: early[4]!.seq, issuedAt: T0 }),
    ).toMatchObject({
      seq: early[4]!.seq,
      position: 3,
    });
    // The process's boundary is the floor: places 1 and 2 (admitted before the loss) stay behind it.
    await after.admit(lost, T0 + 6000, { floorSeq: late.seq, floorBoundary: early[1]!.seq });
    expect(await after.touch(lost, [{ userId: 1, seq: early[0]!.seq, issuedAt: T0 }], T0 + 6100)).toBe(0);
    const state = (await after.view(lost, 0))!;
    expect(state.boundary).toBe(early[3]!.seq);
    expect(state.seqs).toEqual([early[4]!.seq, late.seq]);
  });

  it('takes 60,000 waiters back in one liveness flush (a busy process after a store loss)', async () => {
    const store = open();
    const room = testRoom();
    const places = Array.from({ length: 60_000 }, (_, i) => ({ userId: i + 1, seq: 1000 + i, issuedAt: T0 }));
    expect(await store.touch(room, places, T0 + 1000)).toBe(60_000);
    const { admitted } = await store.admit(room, T0 + 1500, { floorSeq: 0, floorBoundary: 0 });
    expect(admitted).toBeGreaterThan(0);
    const state = (await store.view(room, 0))!;
    expect(state.waiting).toBe(60_000 - admitted);
    expect(state.boundary).toBe(1000 + admitted - 1); // the earliest places went first
    expect(await store.touch(room, places, T0 + 2000)).toBe(0); // seen again: nothing to put back
  }, 60_000);

  it('after a data loss: a stale floor from one process never makes the counter give a seq again', async () => {
    // Chaos run, seed 7: Redis restarted empty; the first admission on the empty store came from
    // the process that had not seen the last seqs the other one gave before the loss, the counter
    // restarted from its floor, and a later arrival got the very seq (so the same token identity,
    // revoked by the other's payment) of a user who arrived before the restart.
    const before = open();
    const room = testRoom();
    const early = [];
    for (let u = 1; u <= 5; u++) early.push(await before.issue(room, u, T0));
    const after = open();
    const lost = testRoom();
    // The admitting process last read the state after place 2: its floor is behind places 3–5.
    await after.admit(lost, T0 + 1500, { floorSeq: early[1]!.seq, floorBoundary: 0 });
    const late = await after.issue(lost, 99, T0 + 1600);
    expect(late.seq).toBeGreaterThan(early[4]!.seq);
    // A counter that survived is only ever raised to the floor, never lowered.
    const raised = await after.issue(lost, 100, T0 + 1700);
    await after.admit(lost, T0 + 2500, { floorSeq: early[1]!.seq, floorBoundary: 0 });
    expect((await after.issue(lost, 101, T0 + 2600)).seq).toBe(raised.seq + 1);
  });

  it('samples the line: exact for the first maxActive places, within 1% further back', async () => {
    const store = open({ maxActive: 50, admitPerTick: 1, idleTimeoutMs: 10_000 });
    const room = testRoom();
    const placed = [];
    for (let start = 1; start <= 3000; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => start + i);
      placed.push(...(await Promise.all(batch.map((u) => store.issue(room, u, T0)))));
    }
    // Every seventh user goes quiet and is dropped.
    const live = placed
      .map((p, i) => ({ userId: i + 1, seq: p.seq, issuedAt: T0 }))
      .filter((p) => p.userId % 7 !== 0);
    await store.touch(room, live, T0 + 9000);
    await store.admit(room, T0 + 10_000, NO_HINTS);
    const state = (await store.view(room, 0))!;
    const line = live
      .map((p) => p.seq)
      .sort((a, b) => a - b)
      .slice(1);
    expect(state.waiting).toBe(line.length);
    expect(state.seqs.slice(0, 50)).toEqual(line.slice(0, 50));
    for (let i = 0; i < state.seqs.length; i++) expect(line[state.ranks[i]! - 1]).toBe(state.seqs[i]);
    for (let i = 1; i < state.ranks.length; i++) {
      expect(state.ranks[i]! - state.ranks[i - 1]!).toBeLessThanOrEqual(
        Math.max(1, state.ranks[i - 1]! * 0.01),
      );
    }
    expect(state.ranks.at(-1)).toBe(line.length);
  });
});
