import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range, reserve } from '../../helpers/requests.js';
import { checkToken, issueFor } from '../../helpers/rooms.js';

const MINUTE = 60_000;

describe('admission that follows health (real app, real holds)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });
  const start = async (mode: 'fixed' | 'adaptive') => {
    const t = await createTestApp({
      env: {
        ADMIN_TOKEN,
        QUEUE_ADMISSION_MODE: mode,
        QUEUE_ADMIT_PER_TICK: '40',
        QUEUE_ADAPTIVE_P99_MS: '200',
        QUEUE_ACTIVE_TTL_SECONDS: '86400',
      },
    });
    apps.push(t);
    return t;
  };
  const at = (t: TestApp, ms: number) => new Date(t.clock.now() + ms).toISOString();

  /** A sale at 20 per tick with 30 fans waiting; its room's name from the metrics label. */
  async function saleWithLine(t: TestApp) {
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 5, price: 10_000 }], {
      startsAt: at(t, 600 * MINUTE),
      salesOpenAt: at(t, -MINUTE),
    });
    await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: false, admitPerTick: 20 });
    const tokens: string[] = [];
    for (const userId of range(101, 30))
      tokens.push((await issueFor(t, userId, concertId)).json().token as string);
    const active = async () => {
      let count = 0;
      for (const token of tokens) if ((await checkToken(t, token)).json().active) count += 1;
      return count;
    };
    return { concertId, active };
  }

  /** Twelve holds that wait 400 ms for a table lock: their p99 is over the 200 ms target. */
  async function slowHolds(t: TestApp) {
    const tokens = await t.activate(...range(1, 12));
    let holds: Promise<{ statusCode: number }>[] = [];
    await t.database.sql.begin(async (tx) => {
      await tx`LOCK TABLE seats IN EXCLUSIVE MODE`;
      holds = range(1, 12).map((userId) =>
        reserve(t, { userId, token: tokens.get(userId), scheduleId: 1, seatNumber: userId }),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    expect((await Promise.all(holds)).map((r) => r.statusCode)).toEqual(Array(12).fill(201));
  }

  it('adaptive: slow holds halve each room’s rate at the next tick; dashboard and metrics say why', async () => {
    const t = await start('adaptive');
    await slowHolds(t);
    const { concertId, active } = await saleWithLine(t);
    await t.tick();
    expect(await active()).toBe(10); // half of the sale's 20
    const live = (await admin(t, 'GET', '/admin/live')).json();
    expect(live.queue.admission).toMatchObject({
      mode: 'adaptive',
      targetPerTick: 20,
      maxPerTick: 40,
      decision: 'decrease',
    });
    expect(live.queue.admission.reason).toMatch(/^hold\/pay p99 \d+ ms > target 200 ms$/);
    const sale = live.rooms.find((s: { concertId: number }) => s.concertId === concertId);
    expect(sale.admission).toMatchObject({
      mode: 'adaptive',
      targetPerTick: 10,
      maxPerTick: 20,
      decision: 'decrease',
    });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const room = t.config.queueName;
    expect(metrics).toContain(`stagedoor_queue_admission_rate_target{room="${room}"} 20`);
    expect(metrics).toMatch(
      new RegExp(`stagedoor_queue_admission_rate_target\\{room="${room}-c?${concertId}"\\} 10`),
    );
    expect(metrics).toContain(
      `stagedoor_queue_admission_decisions_total{room="${room}",decision="decrease"} 1`,
    );
    // Healthy again (the slow holds leave the 10 s window): the rate climbs back step by step.
    t.clock.advance(11_000);
    await t.tick();
    expect(await active()).toBe(10 + 11); // 10 + 5% of 20 (at least 1) = 11
  });

  it('fixed: the same slow holds change nothing; the dashboard shows the set rate', async () => {
    const t = await start('fixed');
    await slowHolds(t);
    const { concertId, active } = await saleWithLine(t);
    await t.tick();
    expect(await active()).toBe(20);
    const live = (await admin(t, 'GET', '/admin/live')).json();
    expect(live.queue.admission).toMatchObject({
      mode: 'fixed',
      targetPerTick: 40,
      decision: 'hold',
      reason: 'fixed rate',
    });
    const sale = live.rooms.find((s: { concertId: number }) => s.concertId === concertId);
    expect(sale.admission).toMatchObject({ mode: 'fixed', targetPerTick: 20, maxPerTick: 20 });
  });
});
