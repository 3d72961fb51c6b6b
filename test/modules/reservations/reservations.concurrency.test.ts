import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range, reserve, seatMap } from '../../helpers/requests.js';

/** Deadlocks PostgreSQL has detected in this database so far. */
async function deadlocks(t: TestApp): Promise<number> {
  const [row] = await t.database.sql<{ deadlocks: number }[]>`
    SELECT deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()`;
  return row!.deadlocks;
}

describe('seat holds under concurrency', () => {
  let t: TestApp;
  let tokens: Map<number, string>;
  beforeAll(async () => {
    t = await createTestApp();
    tokens = await t.activate(...range(1, 250));
  });
  afterAll(() => t.close());

  it('gives one seat wanted by 200 users at once to exactly one of them', async () => {
    const users = range(1, 200);
    const responses = await Promise.all(
      users.map((userId) => reserve(t, { userId, token: tokens.get(userId), scheduleId: 1, seatNumber: 25 })),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(199);
    for (const loser of responses.filter((r) => r.statusCode === 409)) {
      expect(loser.json().code).toBe('SEAT_UNAVAILABLE');
    }
    const winner = responses.find((r) => r.statusCode === 201)!.json();
    const live = await t.database.sql<{ id: string; user_id: number }[]>`
      SELECT id, user_id FROM reservations WHERE schedule_id = 1 AND seat_number = 25 AND status <> 'EXPIRED'`;
    expect(live).toEqual([{ id: winner.reservationId, user_id: winner.userId }]);
    const [seat] = await t.database.sql<{ reservation_id: string }[]>`
      SELECT reservation_id FROM seats WHERE schedule_id = 1 AND seat_number = 25`;
    expect(seat!.reservation_id).toBe(winner.reservationId);
  });

  it('never holds a seat twice in a storm of 50 users on random seats, without deadlocks', async () => {
    const before = await deadlocks(t);
    const users = range(201, 50);
    let seed = 7;
    const randomSeat = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return (seed % 50) + 1;
    };
    // Each user tries three random seats at once: 150 concurrent holds on one schedule.
    const attempts = users.flatMap((userId) =>
      [randomSeat(), randomSeat(), randomSeat()].map((seatNumber) => ({ userId, seatNumber })),
    );
    const responses = await Promise.all(
      attempts.map(({ userId, seatNumber }) =>
        reserve(t, { userId, token: tokens.get(userId), scheduleId: 2, seatNumber }),
      ),
    );
    const won = responses.filter((r) => r.statusCode === 201).map((r) => r.json().seatNumber as number);
    expect(responses.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    expect(new Set(won).size).toBe(won.length); // each 201 a distinct seat
    expect(new Set(won)).toEqual(new Set(attempts.map((a) => a.seatNumber))); // every wanted seat went to someone

    const seats = (await seatMap(t, 1, 2)).json().seats as { seatNumber: number; status: string }[];
    const held = seats.filter((s) => s.status === 'TEMP_RESERVED').map((s) => s.seatNumber);
    expect(new Set(held)).toEqual(new Set(won));
    const [dupes] = await t.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT seat_number FROM reservations WHERE schedule_id = 2 AND status = 'ON_HOLD'
                                      GROUP BY seat_number HAVING count(*) > 1) d`;
    expect(dupes!.n).toBe(0);
    expect(await deadlocks(t)).toBe(before);
  });
});
