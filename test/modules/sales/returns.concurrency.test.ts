import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range, reserve, seatMap } from '../../helpers/requests.js';
import { buy, refund, salesInvariantViolations } from '../../helpers/sales.js';
import { createTestDatabase } from '../../helpers/stores.js';

describe('sales across processes and concurrent refunds', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Two apps on one database, as two processes would be (each with its own queue store here).
    const database = await createTestDatabase();
    a = await createTestApp({ database, env: { QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
    b = await createTestApp({ database, env: { QUEUE_ACTIVE_TTL_SECONDS: '86400' } });
  });
  afterAll(async () => {
    expect(await salesInvariantViolations(a.database)).toEqual([]);
    await a.close();
    await b.close();
  });

  it('holds the ticket limit across processes: 20 holds by one user, 10 in each → exactly 4', async () => {
    const tokenA = (await a.activate(301)).get(301);
    const tokenB = (await b.activate(301)).get(301);
    const responses = await Promise.all(
      range(1, 20).map((seatNumber) =>
        seatNumber % 2
          ? reserve(a, { userId: 301, token: tokenA, scheduleId: 6, seatNumber, concertId: 2 })
          : reserve(b, { userId: 301, token: tokenB, scheduleId: 6, seatNumber, concertId: 2 }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(4);
    expect(new Set(responses.filter((r) => r.statusCode === 409).map((r) => r.json().code))).toEqual(
      new Set(['TICKET_LIMIT_REACHED']),
    );
  });

  it('refunds once when 10 refunds with different keys race, in two processes: one 200, nine ALREADY_REFUNDED', async () => {
    const { token, reservationId } = await buy(a, 302, 7, 9, 2);
    const tokenB = (await b.activate(302)).get(302)!;
    const responses = await Promise.all(
      range(0, 10).map((i) => (i % 2 ? refund(a, reservationId, token) : refund(b, reservationId, tokenB))),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual(
      Array(9).fill('ALREADY_REFUNDED'),
    );
    const [row] = await a.database.sql<{ refunds: number; balance: number }[]>`
      SELECT (SELECT count(*)::int FROM ledger_entries WHERE user_id = 302 AND kind = 'REFUND') AS refunds,
             (SELECT balance FROM users WHERE id = 302) AS balance`;
    expect(row).toEqual({ refunds: 1, balance: 150_000 });
  });
});

describe.skipIf(!inject('redisUrl'))('a freed seat across processes sharing Redis', () => {
  it('is holdable at once in a process whose cached map still shows it sold', async () => {
    const queueName = `returns${Date.now()}`;
    const database = await createTestDatabase();
    const seller = await createTestApp({ store: 'redis', database, queueName });
    const buyer = await createTestApp({ store: 'redis', database, queueName });
    try {
      const { token, reservationId } = await buy(seller, 310, 9, 7, 3);
      expect((await seatMap(buyer, 3, 9)).json().seats[6].status).toBe('RESERVED'); // cached in the buyer's process
      expect((await refund(seller, reservationId, token)).statusCode).toBe(200);
      const next = (await seller.activate(311)).get(311); // one store: the token works in both
      await buyer.tick(); // the buyer's process learns the admission from the store on its tick
      const held = await reserve(buyer, {
        userId: 311,
        token: next,
        concertId: 3,
        scheduleId: 9,
        seatNumber: 7,
      });
      expect(held.statusCode).toBe(201);
      expect((await seatMap(seller, 3, 9)).json().seats[6].status).toBe('TEMP_RESERVED');
    } finally {
      await seller.close();
      await buyer.close();
    }
  });
});
