import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { reserve } from '../../helpers/requests.js';
import { buy, refund } from '../../helpers/sales.js';

interface Live {
  queue: { waiting: number; active: number; admittedPerSecond: number | null; maxActive: number };
  responses: { total: number; clientErrors: number; serverErrors: number };
  sales: {
    scheduleId: number;
    holds: number;
    sold: number;
    revenue: number;
    seats: number;
    salesOpenAt: string | null;
  }[];
  rooms: {
    concertId: number;
    preQueue: number;
    waiting: number;
    active: number;
    drawn: boolean;
    paused: boolean;
    admitPerTick: number | null;
    maxActive: number | null;
    ticketLimit: number | null;
    effectiveAdmitPerTick: number;
    effectiveMaxActive: number;
    effectiveTicketLimit: number;
    admissionRatePerSecond: number;
  }[];
}

describe('GET /admin/live (the dashboard figures)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TOKEN } });
  });
  afterAll(() => t.close());

  const live = async () => {
    const reply = await admin(t, 'GET', '/admin/live');
    expect(reply.statusCode).toBe(200);
    return reply.json<Live>();
  };

  it('is behind the operator gate', async () => {
    const reply = await t.app.inject({ method: 'GET', url: '/admin/live' });
    expect(reply.statusCode).toBe(401);
    expect(reply.json().code).toBe('OPERATOR_UNAUTHORIZED');
  });

  it('counts holds, sales and revenue per sale from its seats, and a refund takes them back', async () => {
    const now = t.clock.now();
    const { concertId, scheduleId } = await createSale(t, [{ name: 'A', seatCount: 10, price: 50_000 }], {
      startsAt: new Date(now + 86_400_000).toISOString(),
      salesOpenAt: new Date(now - 60_000).toISOString(),
    });
    const sold = await buy(t, 31, scheduleId, 1, concertId);
    await buy(t, 32, scheduleId, 2, concertId);
    const holder = (await t.activateIn(concertId, 33)).get(33)!;
    expect(
      (await reserve(t, { userId: 33, token: holder, concertId, scheduleId, seatNumber: 3 })).statusCode,
    ).toBe(201);
    let sale = (await live()).sales.find((s) => s.scheduleId === scheduleId);
    expect(sale).toMatchObject({ seats: 10, holds: 1, sold: 2, revenue: 100_000 });
    expect((await refund(t, sold.reservationId, sold.token)).statusCode).toBe(200);
    sale = (await live()).sales.find((s) => s.scheduleId === scheduleId);
    expect(sale).toMatchObject({ holds: 1, sold: 1, revenue: 50_000 });
  });

  it('reports the waiting room and API errors of the last minute', async () => {
    await t.activate(34); // one user admitted in the default room
    const before = (await live()).responses;
    await t.app.inject({ method: 'GET', url: '/concerts/999999/schedules' });
    await t.app.inject({ method: 'GET', url: '/concerts' });
    const after = await live();
    expect(after.responses.total - before.total).toBe(2);
    expect(after.responses.clientErrors - before.clientErrors).toBe(1);
    expect(after.queue.maxActive).toBe(t.config.queueMaxActive);
    expect(after.queue.active).toBeGreaterThanOrEqual(1);
  });

  it('shows each sale room: its pre-queue before the opening, its line after, and its live controls', async () => {
    const now = t.clock.now();
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 10, price: 50_000 }], {
      startsAt: new Date(now + 86_400_000).toISOString(),
      salesOpenAt: new Date(now + 60_000).toISOString(),
    });
    const room = async () => (await live()).rooms.find((r) => r.concertId === concertId);
    expect(await room()).toMatchObject({
      preQueue: 0,
      waiting: 0,
      drawn: false,
      paused: false,
      admitPerTick: null,
      effectiveAdmitPerTick: t.config.queueAdmitPerTick,
      effectiveMaxActive: t.config.queueMaxActive,
      effectiveTicketLimit: t.config.ticketLimitPerUser,
    });
    for (const userId of [51, 52, 53]) {
      const issued = await t.app.inject({
        method: 'POST',
        url: '/waiting/issue',
        payload: { userId, concertId },
      });
      expect(issued.json().status).toBe('PRE_QUEUE');
    }
    expect((await room())?.preQueue).toBe(3);

    const patched = await admin(t, 'PATCH', `/admin/sales/${concertId}`, {
      paused: true,
      admitPerTick: 7,
      maxActive: 9,
      ticketLimit: 3,
    });
    expect(patched.statusCode).toBe(200);
    expect(await room()).toMatchObject({
      paused: true,
      admitPerTick: 7,
      maxActive: 9,
      ticketLimit: 3,
      effectiveAdmitPerTick: 7,
      effectiveMaxActive: 9,
      effectiveTicketLimit: 3,
      admissionRatePerSecond: 0,
    });

    // The opening draws the pre-queue into the line: paused, nobody is admitted.
    t.clock.advance(61_000);
    await t.tick();
    await t.tick();
    expect(await room()).toMatchObject({ preQueue: 0, drawn: true, waiting: 3, active: 0 });
    await admin(t, 'PATCH', `/admin/sales/${concertId}`, { paused: false, admitPerTick: null });
    await t.tick();
    const resumed = await room();
    expect(resumed).toMatchObject({ paused: false, admitPerTick: null, waiting: 0, active: 3 });
    expect(resumed?.admissionRatePerSecond).toBeGreaterThan(0);
  });

  it('serves the dashboard page at /admin', async () => {
    const reply = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('/assets/admin-');
  });
});
