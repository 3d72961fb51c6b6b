import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/client.js';
import type { TestApp } from './app.js';
import { charge, pay, reserve } from './requests.js';

function headers(token: string | undefined, key: string): Record<string, string> {
  const result: Record<string, string> = { 'idempotency-key': key };
  if (token) result['x-queue-token'] = token;
  return result;
}

export function release(t: TestApp, reservationId: string, token?: string, key: string = randomUUID()) {
  return t.app.inject({
    method: 'DELETE',
    url: `/reservations/${reservationId}`,
    headers: headers(token, key),
  });
}

export function refund(t: TestApp, reservationId: string, token?: string, key: string = randomUUID()) {
  return t.app.inject({
    method: 'POST',
    url: `/reservations/${reservationId}/refund`,
    headers: headers(token, key),
  });
}

/** Activates the user, holds the seat, tops up and pays: returns the (now expired) token and reservation. */
export async function buy(t: TestApp, userId: number, scheduleId: number, seatNumber: number, concertId = 1) {
  const token = (await t.activateIn(concertId, userId)).get(userId)!;
  const held = await reserve(t, { userId, token, concertId, scheduleId, seatNumber });
  if (held.statusCode !== 201) throw new Error(`hold failed: ${held.body}`);
  const { reservationId, price } = held.json<{ reservationId: string; price: number }>();
  await charge(t, userId, 100_000, token);
  const paid = await pay(t, reservationId, price, token);
  if (paid.statusCode !== 201) throw new Error(`payment failed: ${paid.body}`);
  return { token, reservationId, price };
}

/**
 * Broken invariants of seats, reservations, payments and money (each list should be empty):
 * one live reservation per seat, a taken seat pointing at its live reservation, balance =
 * ledger sum, exactly one REFUND row per refunded payment and none for the others.
 */
export async function salesInvariantViolations(database: Database): Promise<string[]> {
  const [row] = await database.sql<Record<string, number>[]>`
    SELECT
      (SELECT count(*)::int FROM (SELECT 1 FROM reservations WHERE status IN ('ON_HOLD', 'CONFIRMED')
        GROUP BY schedule_id, seat_number HAVING count(*) > 1) d) AS "two live reservations on a seat",
      (SELECT count(*)::int FROM seats s WHERE s.status = 'RESERVED' AND NOT EXISTS (
        SELECT 1 FROM reservations r WHERE r.id = s.reservation_id AND r.status = 'CONFIRMED')) AS "sold seat without its confirmed reservation",
      (SELECT count(*)::int FROM reservations r WHERE r.status = 'CONFIRMED' AND NOT EXISTS (
        SELECT 1 FROM seats s WHERE s.reservation_id = r.id AND s.status = 'RESERVED')) AS "confirmed reservation whose seat is not sold to it",
      (SELECT count(*)::int FROM users u WHERE u.balance <>
        (SELECT coalesce(sum(amount), 0) FROM ledger_entries l WHERE l.user_id = u.id)) AS "balance not the ledger sum",
      (SELECT count(*)::int FROM payments p WHERE (p.refunded_at IS NOT NULL) <>
        ((SELECT count(*) FROM ledger_entries l WHERE l.payment_id = p.id AND l.kind = 'REFUND') = 1)) AS "refunded payment without exactly one REFUND row",
      (SELECT count(*)::int FROM payments p JOIN reservations r ON r.id = p.reservation_id
        WHERE (p.refunded_at IS NOT NULL) <> (r.status = 'REFUNDED')) AS "refunded payment and reservation disagree"`;
  return Object.entries(row!)
    .filter(([, count]) => count !== 0)
    .map(([what, count]) => `${what}: ${count}`);
}
