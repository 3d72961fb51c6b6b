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

  it('serves the dashboard page at /admin', async () => {
    const reply = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('/assets/admin-');
  });
});
