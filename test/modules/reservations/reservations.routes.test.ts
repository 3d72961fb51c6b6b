import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inFlightLockName } from '../../../src/http/idempotency.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { reserve, seatMap } from '../../helpers/requests.js';

describe('seat holds', () => {
  let t: TestApp;
  let tokens: Map<number, string>;
  beforeAll(async () => {
    t = await createTestApp({ env: { HOLD_SECONDS: '300' } });
    tokens = await t.activate(1, 2, 3, 4, 5);
  });
  afterAll(() => t.close());

  it('holds a seat for HOLD_SECONDS and shows it TEMP_RESERVED', async () => {
    const response = await reserve(t, { userId: 1, token: tokens.get(1), scheduleId: 1, seatNumber: 7 });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      userId: 1,
      concertId: 1,
      scheduleId: 1,
      seatNumber: 7,
      status: 'ON_HOLD',
      price: 80_000,
      holdExpiresAt: new Date(t.clock.now() + 300_000).toISOString(),
    });
    expect(body.reservationId).toMatch(/^[0-9a-f-]{36}$/);
    const seat = (await seatMap(t, 1, 1)).json().seats[6];
    expect(seat).toEqual({
      seatNumber: 7,
      status: 'TEMP_RESERVED',
      price: 80_000,
      section: 'A',
      label: 'A-7',
    });

    const fetched = await t.app.inject({ method: 'GET', url: `/reservations/${body.reservationId}` });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(body);

    const taken = await reserve(t, { userId: 2, token: tokens.get(2), scheduleId: 1, seatNumber: 7 });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('SEAT_UNAVAILABLE');
  });

  it.each([
    ['seat 0', { seatNumber: 0 }, 400, 'VALIDATION_FAILED'],
    ['seat 51 (the demo schedules have 50)', { seatNumber: 51 }, 404, 'SEAT_NOT_FOUND'],
    ['seat as a string', { seatNumber: '3' }, 400, 'VALIDATION_FAILED'],
    ['unknown schedule', { scheduleId: 9999 }, 404, 'SCHEDULE_NOT_FOUND'],
    ['schedule of another concert', { concertId: 2, scheduleId: 1 }, 404, 'SCHEDULE_NOT_FOUND'],
    ['unknown concert', { concertId: 999 }, 404, 'SCHEDULE_NOT_FOUND'],
  ] as const)('rejects %s', async (_, change, status, code) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/reservations',
      headers: { 'idempotency-key': randomUUID(), 'x-queue-token': tokens.get(3)! },
      payload: { userId: 3, concertId: 1, scheduleId: 2, seatNumber: 1, ...change },
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe(code);
  });

  it('needs the Idempotency-Key and the active token of the same user', async () => {
    const noKey = await t.app.inject({
      method: 'POST',
      url: '/reservations',
      headers: { 'x-queue-token': tokens.get(3)! },
      payload: { userId: 3, concertId: 1, scheduleId: 2, seatNumber: 1 },
    });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');

    const noToken = await reserve(t, { userId: 3, scheduleId: 2, seatNumber: 1 });
    expect(noToken.statusCode).toBe(401);
    const otherUser = await reserve(t, { userId: 3, token: tokens.get(4), scheduleId: 2, seatNumber: 1 });
    expect(otherUser.statusCode).toBe(403);
    expect(otherUser.json().code).toBe('QUEUE_TOKEN_USER_MISMATCH');
    // Nothing was written by the refused requests.
    expect((await seatMap(t, 1, 2)).json().seats[0].status).toBe('AVAILABLE');
  });

  it('answers 404 for an unknown reservation and 400 for a malformed id', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: `/reservations/${randomUUID()}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('RESERVATION_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: '/reservations/not-a-uuid' })).statusCode).toBe(400);
  });

  it('replays a retry with the same key, refuses another body (422) and a retry in flight (409)', async () => {
    const key = randomUUID();
    const first = await reserve(t, { userId: 4, token: tokens.get(4), scheduleId: 3, seatNumber: 10, key });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await reserve(t, { userId: 4, token: tokens.get(4), scheduleId: 3, seatNumber: 10, key });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    const rows = await t.database.sql`SELECT 1 FROM reservations WHERE schedule_id = 3 AND seat_number = 10`;
    expect(rows).toHaveLength(1);

    const otherBody = await reserve(t, {
      userId: 4,
      token: tokens.get(4),
      scheduleId: 3,
      seatNumber: 11,
      key,
    });
    expect(otherBody.statusCode).toBe(422);
    expect(otherBody.json().code).toBe('IDEMPOTENCY_KEY_REUSED');

    // A request still running holds its key's advisory lock; hold it here the same way.
    const inFlightKey = randomUUID();
    const blocker = await t.database.sql.reserve();
    try {
      await blocker`SELECT pg_advisory_lock(hashtextextended(${inFlightLockName({ userId: 4, operation: 'reserve', key: inFlightKey })}, 0))`;
      const duringFirst = await reserve(t, {
        userId: 4,
        token: tokens.get(4),
        scheduleId: 3,
        seatNumber: 12,
        key: inFlightKey,
      });
      expect(duringFirst.statusCode).toBe(409);
      expect(duringFirst.json().code).toBe('IDEMPOTENCY_KEY_IN_USE');
      await blocker`SELECT pg_advisory_unlock_all()`;
    } finally {
      blocker.release();
    }
    const afterFirst = await reserve(t, {
      userId: 4,
      token: tokens.get(4),
      scheduleId: 3,
      seatNumber: 12,
      key: inFlightKey,
    });
    expect(afterFirst.statusCode).toBe(201);
  });

  it('frees a lapsed hold at once and the sweeper marks it EXPIRED', async () => {
    const held = (
      await reserve(t, { userId: 5, token: tokens.get(5), scheduleId: 4, seatNumber: 20 })
    ).json();
    t.clock.advance(300_000);
    expect((await seatMap(t, 1, 4)).json().seats[19].status).toBe('AVAILABLE');
    const read = await t.app.inject({ method: 'GET', url: `/reservations/${held.reservationId}` });
    expect(read.json().status).toBe('EXPIRED');

    const { runMaintenance } = await import('../../../src/modules/reservations/hold-sweeper.js');
    const swept = await runMaintenance(t.database.sql, t.clock, 24);
    expect(swept.expiredHolds).toBeGreaterThanOrEqual(1);
    const [row] = await t.database.sql<{ status: string }[]>`
      SELECT status FROM reservations WHERE id = ${held.reservationId}`;
    expect(row!.status).toBe('EXPIRED');

    // Someone else may now take it (tokens were issued before the clock moved: re-activate).
    const fresh = await t.activate(2);
    const next = await reserve(t, { userId: 2, token: fresh.get(2), scheduleId: 4, seatNumber: 20 });
    expect(next.statusCode).toBe(201);
  });

  it('lets the next reserver take a lapsed hold before any sweep', async () => {
    const fresh = await t.activate(1, 3);
    const first = await reserve(t, { userId: 1, token: fresh.get(1), scheduleId: 4, seatNumber: 30 });
    expect(first.statusCode).toBe(201);
    t.clock.advance(300_001);
    const again = await t.activate(3);
    const second = await reserve(t, { userId: 3, token: again.get(3), scheduleId: 4, seatNumber: 30 });
    expect(second.statusCode).toBe(201);
    const statuses = await t.database.sql<{ status: string }[]>`
      SELECT status FROM reservations WHERE schedule_id = 4 AND seat_number = 30 ORDER BY created_at`;
    expect(statuses.map((r) => r.status)).toEqual(['EXPIRED', 'ON_HOLD']);
  });
});
