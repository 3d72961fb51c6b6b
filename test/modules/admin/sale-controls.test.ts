import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { pay, reserve, seatMap } from '../../helpers/requests.js';
import { salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

const HOUR = 3_600_000;

describe.each(storeKinds())('sales windows, sale controls and the audit log (%s store)', (kind) => {
  let t: TestApp;
  const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(t.database)).toEqual([]);
    await t.close();
  });

  it('keeps holds and payments inside the sales window: 403 SALE_NOT_OPEN, then SALE_CLOSED', async () => {
    // The concert's sale is open for its first date; a fan admitted to it tries the second
    // date, whose window opens in an hour.
    const first = await createSale(t, [{ name: 'A', seatCount: 5, price: 10_000 }], {
      startsAt: at(10 * HOUR),
      salesOpenAt: at(-HOUR),
    });
    const second = await admin(t, 'POST', `/admin/concerts/${first.concertId}/schedules`, {
      startsAt: at(11 * HOUR),
      salesOpenAt: at(HOUR),
      salesCloseAt: at(2 * HOUR),
    });
    expect(second.statusCode).toBe(201);
    const ids = { ...first, scheduleId: second.json().scheduleId as number };
    const token = (await t.activateIn(ids.concertId, 302)).get(302);
    const hold = (seatNumber: number) =>
      reserve(t, { userId: 302, token, concertId: ids.concertId, scheduleId: ids.scheduleId, seatNumber });
    expect((await seatMap(t, ids.concertId, ids.scheduleId)).statusCode).toBe(200); // the map is cached
    const early = await hold(1);
    expect(early.statusCode).toBe(403);
    expect(early.json().code).toBe('SALE_NOT_OPEN');
    // The operator opens the sale now: the next hold sees it, cached map or not.
    expect(
      (await admin(t, 'PATCH', `/admin/schedules/${ids.scheduleId}`, { salesOpenAt: at(0) })).statusCode,
    ).toBe(200);
    const open = await hold(1);
    expect(open.statusCode).toBe(201);
    // A minute later the operator closes the sale at once (a hold lasts 5 minutes: still live).
    t.clock.advance(60_000);
    expect(
      (await admin(t, 'PATCH', `/admin/schedules/${ids.scheduleId}`, { salesCloseAt: at(0) })).statusCode,
    ).toBe(200);
    const late = await hold(2);
    expect(late.statusCode).toBe(403);
    expect(late.json().code).toBe('SALE_CLOSED');
    const paid = await pay(t, open.json().reservationId, 10_000, token);
    expect(paid.statusCode).toBe(403);
    expect(paid.json().code).toBe('SALE_CLOSED');
    const invalid = await admin(t, 'PATCH', `/admin/schedules/${ids.scheduleId}`, {
      salesCloseAt: at(20 * HOUR),
    });
    expect(invalid.json().code).toBe('SALES_WINDOW_INVALID');
  });

  it('sets a sale’s ticket limit and records every change in the audit log, paged', async () => {
    const ids = await createSale(t, [{ name: 'A', seatCount: 5, price: 10_000 }], {
      startsAt: at(48 * HOUR),
      salesOpenAt: at(-HOUR),
    });
    const set = await admin(t, 'PATCH', `/admin/sales/${ids.concertId}`, { ticketLimit: 1 });
    expect(set.json()).toMatchObject({ concertId: ids.concertId, ticketLimit: 1, effectiveTicketLimit: 1 });
    const token = (await t.activateIn(ids.concertId, 303)).get(303);
    const hold = (seatNumber: number) =>
      reserve(t, { userId: 303, token, concertId: ids.concertId, scheduleId: ids.scheduleId, seatNumber });
    expect((await hold(1)).statusCode).toBe(201);
    expect((await hold(2)).json().code).toBe('TICKET_LIMIT_REACHED');
    const reset = await admin(t, 'PATCH', `/admin/sales/${ids.concertId}`, { ticketLimit: null });
    expect(reset.json().effectiveTicketLimit).toBe(4);
    expect((await hold(2)).statusCode).toBe(201);

    const page1 = (
      await admin(t, 'GET', `/admin/audit?entity=concert&entityId=${ids.concertId}&limit=2`)
    ).json();
    expect(page1.entries.map((e: { action: string }) => e.action)).toEqual(['sale.update', 'sale.update']);
    expect(page1.entries[1]).toMatchObject({
      actor: 'admin-token',
      before: { ticketLimit: null },
      after: { ticketLimit: 1 },
    });
    const page2 = (
      await admin(
        t,
        'GET',
        `/admin/audit?entity=concert&entityId=${ids.concertId}&limit=2&before=${page1.nextBefore}`,
      )
    ).json();
    expect(page2.entries.map((e: { action: string }) => e.action)).toEqual(['concert.create']);
    expect(page2.nextBefore).toBeNull();
    const all = (await admin(t, 'GET', '/admin/audit?limit=500')).json().entries as {
      action: string;
      before: { salesOpenAt?: string } | null;
      after: { salesOpenAt?: string } | null;
    }[];
    expect(new Set(all.map((e) => e.action))).toEqual(
      new Set(['venue.create', 'concert.create', 'schedule.create', 'schedule.update', 'sale.update']),
    );
    // The window test's opening: before → after as the operator changed it; a refused change left no entry.
    const moves = all.filter((e) => e.action === 'schedule.update');
    expect(moves).toHaveLength(2);
    expect(moves[1]!.before!.salesOpenAt).not.toBe(moves[1]!.after!.salesOpenAt);
  });
});
