import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { balance, reserve } from '../../helpers/requests.js';
import { openStream } from '../../helpers/sse.js';
import { storeKinds, testRoom } from '../../helpers/stores.js';

// One active slot, a 20 s idle window (so the warning comes 5 s before), waiters that do not
// time out during the test, holds of 60 s.
const ENV = {
  QUEUE_MAX_ACTIVE: '1',
  QUEUE_ADMIT_PER_TICK: '1',
  QUEUE_ACTIVE_IDLE_SECONDS: '20',
  QUEUE_ACTIVE_TTL_SECONDS: '600',
  QUEUE_IDLE_TIMEOUT_SECONDS: '600',
  HOLD_SECONDS: '60',
};

describe.each(storeKinds())('admitted users who stopped acting (%s store)', (store) => {
  const apps: TestApp[] = [];
  const start = async (queueName = testRoom()) => {
    const t = await createTestApp({ store, queueName, env: ENV });
    apps.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  const issue = async (t: TestApp, userId: number) =>
    (await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId } })).json<{
      token: string;
    }>().token;
  const check = (t: TestApp, token: string) =>
    t.app.inject({ method: 'GET', url: '/waiting/check', headers: { 'x-queue-token': token } });
  /** Moves the clock to `at` ms after `from`, then runs one tick there. */
  const tickAt = async (t: TestApp, from: number, at: number) => {
    t.clock.advance(from + at - t.clock.now());
    await t.tick();
  };

  it('warns on the stream, frees the slot at the deadline and admits the next waiter in that tick', async () => {
    const t = await start();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const t0 = t.clock.now();
    const first = await issue(t, 1);
    const second = await issue(t, 2);
    await t.tick(); // admits user 1 at t0
    const admitted = (await check(t, first)).json<{ status: string; token: string }>();
    expect(admitted.status).toBe('ACTIVE');
    // Opening the stream is the user's last act (t0 + 1 s): the deadline is t0 + 21 s.
    const stream = await openStream(`${base}/waiting/stream`, { 'x-queue-token': admitted.token });
    expect(await stream.next()).toMatchObject({ event: 'active' });
    await tickAt(t, t0, 15_500);
    expect((await check(t, second)).json()).toMatchObject({ status: 'WAITING', position: 1 });
    await tickAt(t, t0, 16_500);
    const warning = await stream.next();
    expect(warning).toMatchObject({ event: 'idle-warning', data: { status: 'ACTIVE', active: true } });
    expect(Date.parse(warning.data!.idleDeadline as string)).toBe(t0 + 21_000);
    // The gate still lets the user in until the deadline (this request is not made: it would count).
    await tickAt(t, t0, 20_500);
    expect((await check(t, second)).json()).toMatchObject({ status: 'WAITING', position: 1 });
    await tickAt(t, t0, 21_000);
    expect(await stream.next()).toMatchObject({ event: 'expired' });
    const gone = await balance(t, 1, admitted.token);
    expect(gone.statusCode).toBe(401);
    expect(gone.json()).toMatchObject({ code: 'QUEUE_TOKEN_EXPIRED' });
    expect((await check(t, admitted.token)).statusCode).toBe(401);
    expect((await check(t, second)).json()).toMatchObject({ status: 'ACTIVE' });
    expect(await t.store.counts(t.config.queueName)).toEqual({ waiting: 0, active: 1 });
    // Coming back means queueing again, behind everyone (here: nobody).
    const back = await t.app.inject({
      method: 'POST',
      url: '/waiting/issue',
      headers: { 'x-queue-token': admitted.token },
      payload: { userId: 1 },
    });
    expect(back.json()).toMatchObject({ status: 'WAITING', position: 1 });
    stream.close();
  });

  it('keeps the slot of a user who acts after the warning', async () => {
    const t = await start();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const t0 = t.clock.now();
    const first = await issue(t, 1);
    const second = await issue(t, 2);
    await t.tick();
    const { token } = (await check(t, first)).json<{ token: string }>();
    const stream = await openStream(`${base}/waiting/stream`, { 'x-queue-token': token });
    expect(await stream.next()).toMatchObject({ event: 'active' });
    await tickAt(t, t0, 16_500);
    expect(await stream.next()).toMatchObject({ event: 'idle-warning' });
    expect((await balance(t, 1, token)).statusCode).toBe(200); // a gated request: still here
    await tickAt(t, t0, 17_500);
    const back = await stream.next();
    expect(back).toMatchObject({ event: 'active' });
    expect(back.data!.idleDeadline).toBeUndefined();
    await tickAt(t, t0, 30_000);
    expect((await balance(t, 1, token)).statusCode).toBe(200);
    expect((await check(t, second)).json()).toMatchObject({ status: 'WAITING', position: 1 });
    stream.close();
  });

  it('keeps the slot of a user with a live hold until the hold ends', async () => {
    const t = await start();
    const t0 = t.clock.now();
    const first = await issue(t, 1);
    const second = await issue(t, 2);
    await t.tick();
    const { token } = (await check(t, first)).json<{ token: string }>();
    const held = await reserve(t, { userId: 1, token, scheduleId: 1, seatNumber: 3 });
    expect(held.statusCode).toBe(201); // at t0 + 1 s, until t0 + 61 s
    // Far past the idle window but within the hold: the slot stays, the waiter waits.
    for (const at of [30_000, 60_000, 70_000, 80_500]) {
      await tickAt(t, t0, at);
      expect((await check(t, second)).json()).toMatchObject({ status: 'WAITING', position: 1 });
    }
    // The hold ended at t0 + 61 s; 20 s of idleness later the slot is freed.
    await tickAt(t, t0, 81_000);
    expect((await check(t, token)).statusCode).toBe(401);
    expect((await check(t, second)).json()).toMatchObject({ status: 'ACTIVE' });
  });

  it.skipIf(store === 'memory')(
    'works across processes: activity on one keeps the slot, a freed one ends everywhere',
    async () => {
      const queueName = testRoom();
      const a = await start(queueName);
      const b = await createTestApp({ store, queueName, env: ENV, database: a.database });
      apps.push(b);
      b.clock.advance(a.clock.now() - b.clock.now());
      const t0 = a.clock.now();
      const both = async (at: number) => {
        b.clock.advance(t0 + at - b.clock.now());
        await b.app.queueTick(); // a tick of process b: flushes its activity, reads the state
        await tickAt(a, t0, at); // process a's tick (its admission runs the next time slot)
      };
      const first = await issue(a, 1);
      const second = await issue(b, 2);
      await a.tick();
      const { token } = (await check(a, first)).json<{ token: string }>();
      // The user acts on process b only (at t0 + 10 s); process a's admission must see it.
      b.clock.advance(t0 + 10_000 - b.clock.now());
      expect((await balance(b, 1, token)).statusCode).toBe(200);
      await both(11_000);
      await both(25_000); // past a's own view (t0 + 1 s + 20 s), within the shared one (t0 + 30 s)
      expect((await balance(a, 1, token)).statusCode).toBe(200);
      expect((await check(b, second)).json()).toMatchObject({ status: 'WAITING', position: 1 });
      // The request just made on a (its clock at t0 + 26 s) was the last act: freed at t0 + 46 s.
      await both(27_000); // a flushes it with its next tick
      await both(45_000);
      expect(await a.store.counts(queueName)).toEqual({ waiting: 1, active: 1 });
      await both(46_000);
      // Freed: 401 on both processes within a tick; the waiter got the slot.
      expect((await balance(a, 1, token)).json()).toMatchObject({ code: 'QUEUE_TOKEN_EXPIRED' });
      expect((await balance(b, 1, token)).json()).toMatchObject({ code: 'QUEUE_TOKEN_EXPIRED' });
      expect((await check(b, second)).json()).toMatchObject({ status: 'ACTIVE' });
    },
  );
});
