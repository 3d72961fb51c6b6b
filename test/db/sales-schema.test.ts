import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { createTestDatabase } from '../helpers/stores.js';

/** The constraints of migration 003 that back the sales rules, tried directly. */
describe('sales schema', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  const rejects = (statement: () => Promise<unknown>, constraint: RegExp) =>
    expect(statement()).rejects.toThrow(constraint);

  it('allows one REFUND ledger row per payment, naming its payment, as a credit', async () => {
    const sql = database.sql;
    await sql.begin(async (tx) => {
      await tx`INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
               VALUES ('00000000-0000-4000-8000-000000000001', 1, 1, 1, 1, 80000, 'CONFIRMED', now(), now())`;
      await tx`UPDATE seats SET status = 'RESERVED', reservation_id = '00000000-0000-4000-8000-000000000001'
               WHERE schedule_id = 1 AND seat_number = 1`;
      await tx`INSERT INTO payments (id, reservation_id, user_id, amount, created_at)
               VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001', 1, 80000, now())`;
    });
    const refundRow = () => sql`
      INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
      VALUES (1, 80000, 'REFUND', '00000000-0000-4000-8000-0000000000a1', now())`;
    await refundRow();
    await rejects(refundRow, /ledger_one_refund_per_payment/);
    await rejects(
      () =>
        sql`INSERT INTO ledger_entries (user_id, amount, kind, created_at) VALUES (1, 5, 'REFUND', now())`,
      /payment_rows_name_their_payment/,
    );
    await rejects(
      () => sql`INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
                VALUES (2, -5, 'REFUND', '00000000-0000-4000-8000-0000000000a1', now())`,
      /refund_rows_are_credits|ledger_one_refund_per_payment/,
    );
  });

  it('keeps sales windows in order and seat numbers in range', async () => {
    const sql = database.sql;
    await rejects(
      () =>
        sql`UPDATE schedules SET sales_open_at = starts_at, sales_close_at = starts_at - interval '1 hour' WHERE id = 2`,
      /sales_window_in_order/,
    );
    await rejects(
      () => sql`UPDATE schedules SET sales_close_at = starts_at + interval '1 hour' WHERE id = 2`,
      /sales_close_before_start/,
    );
    await rejects(
      () => sql`INSERT INTO seats (schedule_id, seat_number, price) VALUES (2, 100001, 1)`,
      /seats_seat_number_check/,
    );
    await sql`INSERT INTO seats (schedule_id, seat_number, price) VALUES (2, 5000, 1)`;
  });
});
