import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { reserve, seatMap } from '../../helpers/requests.js';
import { release, salesInvariantViolations } from '../../helpers/sales.js';
import { storeKinds } from '../../helpers/stores.js';

const HOUR = 3_600_000;

describe('operator API switched off', () => {
  it('answers 404 on every /admin route when ADMIN_TOKEN is unset', async () => {
    const t = await createTestApp();
    try {
      for (const url of ['/admin/venues', '/admin/audit']) {
        const response = await t.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('ROUTE_NOT_FOUND');
      }
    } finally {
      await t.close();
    }
  });
});

describe.each(storeKinds())('operator API (%s store)', (kind) => {
  let t: TestApp;
  const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
  beforeAll(async () => {
    t = await createTestApp({ store: kind, env: { ADMIN_TOKEN, QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(t.database)).toEqual([]);
    await t.close();
  });

  it('needs the bearer token: 401 problem+json with WWW-Authenticate otherwise', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Basic ${ADMIN_TOKEN}`,
      ADMIN_TOKEN,
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/admin/venues',
        headers: authorization ? { authorization } : {},
        payload: { not: 'even valid' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('OPERATOR_UNAUTHORIZED');
    }
    const lower = await t.app.inject({
      method: 'GET',
      url: '/admin/venues',
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('creates a venue, a concert and a schedule whose seats come from the sections', async () => {
    const bad = await admin(t, 'POST', '/admin/venues', {
      name: 'Twice',
      sections: [
        { name: 'A', seatCount: 2, price: 1000 },
        { name: 'A', seatCount: 2, price: 1000 },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('SECTIONS_INVALID');
    const ids = await createSale(
      t,
      [
        { name: 'VIP', seatCount: 2, price: 150_000 },
        { name: 'A', seatCount: 3, price: 80_000 },
      ],
      { startsAt: at(48 * HOUR), salesOpenAt: at(-HOUR) },
    );
    const seats = (await seatMap(t, ids.concertId, ids.scheduleId)).json().seats;
    expect(seats.map((s: { label: string }) => s.label)).toEqual(['VIP-1', 'VIP-2', 'A-1', 'A-2', 'A-3']);
    expect(seats[1]).toEqual({
      seatNumber: 2,
      status: 'AVAILABLE',
      price: 150_000,
      section: 'VIP',
      label: 'VIP-2',
    });
    const listed = (await t.app.inject({ method: 'GET', url: '/concerts' })).json().concerts;
    expect(listed).toContainEqual({
      concertId: ids.concertId,
      title: 'Test Night',
      artist: 'Testers',
      venue: 'Test Hall',
    });
    const dates = (await t.app.inject({ method: 'GET', url: `/concerts/${ids.concertId}/schedules` })).json();
    expect(dates.schedules).toEqual([
      {
        scheduleId: ids.scheduleId,
        startsAt: at(48 * HOUR),
        salesOpenAt: at(-HOUR),
        salesCloseAt: at(48 * HOUR),
        availableSeats: 5,
        totalSeats: 5,
      },
    ]);
    const schedule = await admin(t, 'GET', `/admin/schedules/${ids.scheduleId}`);
    expect(schedule.json()).toMatchObject({ totalSeats: 5, salesCloseAt: at(48 * HOUR) });

    const renamed = await admin(t, 'PATCH', `/admin/venues/${ids.venueId}`, { name: 'Renamed Hall' });
    expect(renamed.statusCode).toBe(200);
    const after = (await t.app.inject({ method: 'GET', url: '/concerts' })).json().concerts;
    expect(after.find((c: { concertId: number }) => c.concertId === ids.concertId).venue).toBe(
      'Renamed Hall',
    );
    expect((await admin(t, 'DELETE', `/admin/venues/${ids.venueId}`)).json().code).toBe('VENUE_IN_USE');
    expect((await admin(t, 'DELETE', `/admin/concerts/${ids.concertId}`)).json().code).toBe(
      'CONCERT_HAS_SCHEDULES',
    );
  });

  it('deletes a schedule, a concert and a venue nobody uses, each on record', async () => {
    const ids = await createSale(t, [{ name: 'A', seatCount: 2, price: 5000 }], {
      startsAt: at(48 * HOUR),
      salesOpenAt: at(-HOUR),
    });
    for (const url of [
      `/admin/schedules/${ids.scheduleId}`,
      `/admin/concerts/${ids.concertId}`,
      `/admin/venues/${ids.venueId}`,
    ]) {
      const deleted = await admin(t, 'DELETE', url);
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toEqual({ deleted: true, id: Number(url.split('/').pop()) });
      expect((await admin(t, 'GET', url)).statusCode).toBe(404);
    }
    expect((await seatMap(t, ids.concertId, ids.scheduleId)).json().code).toBe('SCHEDULE_NOT_FOUND');
    const trail = (await admin(t, 'GET', '/admin/audit?limit=3')).json().entries;
    expect(trail.map((e: { action: string }) => e.action)).toEqual([
      'venue.delete',
      'concert.delete',
      'schedule.delete',
    ]);
    expect(trail[0]).toMatchObject({
      entityId: String(ids.venueId),
      before: { name: 'Test Hall' },
      after: null,
    });
  });

  it('refuses to rebuild seats that are held or sold (409 SEATS_IN_USE) and rebuilds them once free', async () => {
    const ids = await createSale(t, [{ name: 'A', seatCount: 4, price: 50_000 }], {
      startsAt: at(48 * HOUR),
      salesOpenAt: at(-HOUR),
    });
    const token = (await t.activateIn(ids.concertId, 301)).get(301);
    const held = await reserve(t, {
      userId: 301,
      token,
      concertId: ids.concertId,
      scheduleId: ids.scheduleId,
      seatNumber: 2,
    });
    expect(held.statusCode).toBe(201);
    const sections = [{ name: 'B', seatCount: 6, price: 60_000 }];
    const refused = await admin(t, 'PATCH', `/admin/venues/${ids.venueId}`, { sections });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('SEATS_IN_USE');
    expect((await seatMap(t, ids.concertId, ids.scheduleId)).json().seats).toHaveLength(4);
    expect((await admin(t, 'DELETE', `/admin/schedules/${ids.scheduleId}`)).json().code).toBe('SEATS_IN_USE');

    expect((await release(t, held.json().reservationId, token)).statusCode).toBe(200);
    expect((await admin(t, 'PATCH', `/admin/venues/${ids.venueId}`, { sections })).statusCode).toBe(200);
    const seats = (await seatMap(t, ids.concertId, ids.scheduleId)).json().seats;
    expect(seats.map((s: { label: string; price: number }) => `${s.label}:${s.price}`)).toEqual(
      ['B-1', 'B-2', 'B-3', 'B-4', 'B-5', 'B-6'].map((label) => `${label}:60000`),
    );
    const shrink = await admin(t, 'PATCH', `/admin/venues/${ids.venueId}`, {
      sections: [{ name: 'B', seatCount: 1, price: 1000 }],
    });
    expect(shrink.json().code).toBe('SEATS_HAVE_HISTORY'); // seat 2's released reservation stays on record
    expect((await admin(t, 'DELETE', `/admin/schedules/${ids.scheduleId}`)).json().code).toBe(
      'SEATS_HAVE_HISTORY',
    );
  });

  it('rebuilds a concert’s seats from its new venue', async () => {
    const ids = await createSale(t, [{ name: 'A', seatCount: 3, price: 10_000 }], {
      startsAt: at(48 * HOUR),
      salesOpenAt: at(-HOUR),
    });
    const other = await admin(t, 'POST', '/admin/venues', {
      name: 'Other Hall',
      sections: [{ name: 'Z', seatCount: 2, price: 70_000 }],
    });
    const moved = await admin(t, 'PATCH', `/admin/concerts/${ids.concertId}`, {
      venueId: other.json().venueId,
    });
    expect(moved.json()).toMatchObject({ venue: 'Other Hall', venueId: other.json().venueId });
    const seats = (await seatMap(t, ids.concertId, ids.scheduleId)).json().seats;
    expect(seats.map((s: { label: string; price: number }) => `${s.label}:${s.price}`)).toEqual([
      'Z-1:70000',
      'Z-2:70000',
    ]);
    const huge = await admin(t, 'POST', '/admin/venues', {
      name: 'Too big',
      sections: [
        { name: 'A', seatCount: 20_000, price: 1000 },
        { name: 'B', seatCount: 1, price: 1000 },
      ],
    });
    expect(huge.json().code).toBe('SECTIONS_INVALID');
    const demo = await admin(t, 'POST', '/admin/concerts/1/schedules', {
      startsAt: at(HOUR),
      salesOpenAt: at(0),
    });
    expect(demo.json().code).toBe('CONCERT_HAS_NO_VENUE');
  });
});
