import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range, reserve, seatMap } from '../../helpers/requests.js';
import { createTestDatabase } from '../../helpers/stores.js';

describe('concert catalog and seat map', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { HOLD_SECONDS: '60' } });
  });
  afterAll(() => t.close());

  const schedules = (concertId: number, query = '') =>
    t.app.inject({ method: 'GET', url: `/concerts/${concertId}/schedules${query}` });

  it('lists the concerts', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/concerts' });
    expect(response.statusCode).toBe(200);
    const { concerts } = response.json();
    expect(concerts).toHaveLength(3);
    expect(concerts[0]).toMatchObject({ concertId: 1, title: expect.any(String), venue: expect.any(String) });
  });

  it('lists bookable schedules, hides sold-out ones unless asked, and 404s', async () => {
    const before = (await schedules(2)).json();
    expect(before.schedules).toHaveLength(3);
    expect(before.schedules[0]).toMatchObject({ availableSeats: 50, totalSeats: 50 });
    const soldOut = before.schedules[0].scheduleId as number;

    // Sell out (hold) every seat of the first schedule, one user per seat.
    const tokens = await t.activate(...range(101, 50));
    const holds = await Promise.all(
      range(1, 50).map((seatNumber) =>
        reserve(t, {
          userId: 100 + seatNumber,
          token: tokens.get(100 + seatNumber),
          concertId: 2,
          scheduleId: soldOut,
          seatNumber,
        }),
      ),
    );
    expect(holds.map((r) => r.statusCode)).toEqual(Array(50).fill(201));

    const after = (await schedules(2)).json();
    expect(after.schedules.map((s: { scheduleId: number }) => s.scheduleId)).not.toContain(soldOut);
    const all = (await schedules(2, '?includeSoldOut=true')).json();
    expect(all.schedules.find((s: { scheduleId: number }) => s.scheduleId === soldOut)).toMatchObject({
      availableSeats: 0,
    });

    const unknown = await schedules(999);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CONCERT_NOT_FOUND');
    expect((await schedules(0)).statusCode).toBe(400);

    // When the holds lapse, the schedule is bookable again (a lapsed hold is a free seat).
    t.clock.advance(61_000);
    const reopened = (await schedules(2)).json();
    expect(reopened.schedules.find((s: { scheduleId: number }) => s.scheduleId === soldOut)).toMatchObject({
      availableSeats: 50,
    });
  });

  it('answers 404 NO_AVAILABLE_SCHEDULES when every schedule is sold out', async () => {
    const concert = 3;
    const list = (await schedules(concert)).json().schedules as { scheduleId: number }[];
    const users = range(201, 50 * list.length);
    const tokens = await t.activate(...users);
    let user = 201;
    for (const { scheduleId } of list) {
      await Promise.all(
        range(1, 50).map(() => {
          const userId = user++;
          return reserve(t, {
            userId,
            token: tokens.get(userId),
            concertId: concert,
            scheduleId,
            seatNumber: (userId % 50) + 1,
          });
        }),
      );
    }
    t.clock.advance(1000); // past the schedule cache's TTL
    const response = await schedules(concert);
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NO_AVAILABLE_SCHEDULES');
  });

  it('shows 50 seats with status and price; 404 for a schedule of another concert', async () => {
    const response = await seatMap(t, 1, 1);
    expect(response.statusCode).toBe(200);
    const { seats } = response.json();
    expect(seats.map((s: { seatNumber: number }) => s.seatNumber)).toEqual(range(1, 50));
    expect(seats[0]).toEqual({
      seatNumber: 1,
      status: 'AVAILABLE',
      price: 80_000,
      section: 'A',
      label: 'A-1',
    });

    const wrongConcert = await seatMap(t, 2, 1);
    expect(wrongConcert.statusCode).toBe(404);
    expect(wrongConcert.json().code).toBe('SCHEDULE_NOT_FOUND');
    expect((await seatMap(t, 1, 9999)).statusCode).toBe(404);
  });
});

describe('schedule cache', () => {
  it('serves repeats from cache, counts hits and misses, and drops the entry after a hold', async () => {
    const t = await createTestApp({ env: { SCHEDULE_CACHE_TTL_MS: '1000' } });
    try {
      const stats = async () => (await t.app.inject({ method: 'GET', url: '/stats' })).json().scheduleCache;
      const get = () => t.app.inject({ method: 'GET', url: '/concerts/1/schedules' });
      await get();
      await get();
      await get();
      expect(await stats()).toMatchObject({ hits: 2, misses: 1 });

      const tokens = await t.activate(9);
      await reserve(t, { userId: 9, token: tokens.get(9), scheduleId: 1, seatNumber: 1 });
      const fresh = (await get()).json();
      expect(fresh.schedules[0].availableSeats).toBe(49); // own write: not stale
      expect(await stats()).toMatchObject({ hits: 2, misses: 2 });
      t.clock.advance(1000);
      await get();
      expect(await stats()).toMatchObject({ misses: 3 }); // TTL over: reloaded
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!inject('redisUrl'))('seat maps across processes sharing Redis', () => {
  it('never serve a cached map older than a write another process has answered', async () => {
    // Two apps (as two processes would) on one database and one Redis namespace.
    const queueName = `seats${Date.now()}`;
    const database = await createTestDatabase();
    const reader = await createTestApp({ store: 'redis', database, queueName });
    const writer = await createTestApp({ store: 'redis', database, queueName });
    try {
      expect((await seatMap(reader, 1, 1)).json().seats[4].status).toBe('AVAILABLE');
      expect((await seatMap(reader, 1, 1)).json().seats[4].status).toBe('AVAILABLE'); // now cached
      const token = (await writer.activate(77)).get(77);
      const held = await reserve(writer, { userId: 77, token, scheduleId: 1, seatNumber: 5 });
      expect(held.statusCode).toBe(201);
      expect((await seatMap(reader, 1, 1)).json().seats[4].status).toBe('TEMP_RESERVED');
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
