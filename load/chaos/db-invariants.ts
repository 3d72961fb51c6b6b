import type { Sql } from '../../src/db/client.js';

/** One invariant checked in the database: its name and up to a few counterexamples. */
export interface InvariantResult {
  name: string;
  violations: string[];
}

const LIMIT = 20;

async function rows(sql: Sql, query: string): Promise<string[]> {
  const found = await sql.unsafe<Record<string, unknown>[]>(`${query} LIMIT ${LIMIT}`);
  return found.map((row) => JSON.stringify(row));
}

/**
 * The money and seat invariants, read from the database alone: they must hold after
 * any history of requests, faults or not (no partial write, nothing doubled).
 */
export async function checkDatabaseInvariants(sql: Sql): Promise<InvariantResult[]> {
  const checks: [string, string][] = [
    [
      'every balance equals its ledger sum',
      `SELECT u.id AS "userId", u.balance, coalesce(sum(l.amount), 0)::bigint AS "ledgerSum"
       FROM users u LEFT JOIN ledger_entries l ON l.user_id = u.id
       GROUP BY u.id HAVING u.balance <> coalesce(sum(l.amount), 0)`,
    ],
    ['no balance is negative', `SELECT id AS "userId", balance FROM users WHERE balance < 0`],
    [
      'no seat has more than one live hold or confirmation',
      `SELECT schedule_id AS "scheduleId", seat_number AS "seatNumber", count(*)::int AS live
       FROM reservations WHERE status IN ('ON_HOLD', 'CONFIRMED')
       GROUP BY schedule_id, seat_number HAVING count(*) > 1`,
    ],
    [
      'every sold seat belongs to a confirmed reservation of that seat',
      `SELECT s.schedule_id AS "scheduleId", s.seat_number AS "seatNumber", s.reservation_id AS "reservationId",
              r.status AS "reservationStatus"
       FROM seats s LEFT JOIN reservations r ON r.id = s.reservation_id
       WHERE s.status = 'RESERVED' AND (r.status IS DISTINCT FROM 'CONFIRMED'
             OR r.schedule_id <> s.schedule_id OR r.seat_number <> s.seat_number)`,
    ],
    [
      'every confirmed reservation has exactly one payment and its seat is sold to it',
      `SELECT r.id AS "reservationId", count(p.id)::int AS payments, s.status AS "seatStatus"
       FROM reservations r
       LEFT JOIN payments p ON p.reservation_id = r.id
       JOIN seats s ON (s.schedule_id, s.seat_number) = (r.schedule_id, r.seat_number)
       WHERE r.status = 'CONFIRMED'
       GROUP BY r.id, s.status, s.reservation_id
       HAVING count(p.id) <> 1 OR s.status <> 'RESERVED' OR s.reservation_id <> r.id`,
    ],
    [
      'every payment is debited exactly once, for its amount',
      `SELECT p.id AS "paymentId", p.amount, count(l.id)::int AS debits, coalesce(sum(l.amount), 0)::bigint AS debited
       FROM payments p LEFT JOIN ledger_entries l ON l.payment_id = p.id AND l.kind = 'PAYMENT'
       GROUP BY p.id HAVING count(l.id) <> 1 OR coalesce(sum(l.amount), 0) <> -p.amount`,
    ],
    [
      'every charge was applied once per Idempotency-Key',
      `SELECT coalesce(l.user_id, k.user_id) AS "userId", coalesce(l.n, 0) AS "chargeRows", coalesce(k.n, 0) AS "chargeKeys"
       FROM (SELECT user_id, count(*)::int AS n FROM ledger_entries WHERE kind = 'CHARGE' GROUP BY user_id) l
       FULL JOIN (SELECT user_id, count(*)::int AS n FROM idempotency_keys WHERE operation = 'charge'
                  AND response_status < 300 GROUP BY user_id) k ON k.user_id = l.user_id
       WHERE coalesce(l.n, 0) <> coalesce(k.n, 0)`,
    ],
    [
      'every payment was applied once per Idempotency-Key',
      `SELECT p.user_id AS "userId", count(DISTINCT p.id)::int AS payments, count(DISTINCT k.key)::int AS "payKeys"
       FROM payments p LEFT JOIN idempotency_keys k ON k.user_id = p.user_id AND k.operation = 'pay'
         AND k.response_status < 300 AND k.response_body->>'paymentId' = p.id::text
       GROUP BY p.user_id HAVING count(DISTINCT p.id) <> count(DISTINCT k.key)`,
    ],
  ];
  const results: InvariantResult[] = [];
  for (const [name, query] of checks) results.push({ name, violations: await rows(sql, query) });
  return results;
}
