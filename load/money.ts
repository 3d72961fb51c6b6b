import { randomUUID } from 'node:crypto';
import type { Database } from '../src/db/client.js';
import { allSchedules, waitForActive } from './lib/api.js';
import { fire, type LoadResult } from './lib/cannon.js';
import { type SqlCost, withSqlCost } from './lib/sql-cost.js';
import { issueAll, payHeldSeats } from './sustained.js';

const json = { 'content-type': 'application/json' };
const CHARGE = 1_000; // CHARGE_MIN: a user's month allows 3,000 of them

export interface MoneyOutcome {
  /** The set-up: every user holds one free seat (measured too: holds on a fresh database). */
  holds: LoadResult & { sql: SqlCost };
  /** 7. Charges: each request tops up a (different, in turn) active user. */
  charges: LoadResult & { sql: SqlCost };
  /** 8. Payments: each request pays a different held seat; balances were prepared in SQL. */
  payments: LoadResult & { sql: SqlCost };
  held: number;
  paid: number;
}

export interface MoneySettings {
  url: string;
  connections: number;
  users: number;
  database: Database;
}

/**
 * 7 and 8, on a server of their own: charges and payments are per-user operations and a
 * payment ends its user's queue session, so each needs many active users. Every user
 * holds one free seat; then one charge per user; then every
 * balance is topped up in SQL (with its ledger row, as scenario 6 does) and every hold
 * is paid once, each by its own user.
 */
export async function moneyWrites(settings: MoneySettings): Promise<MoneyOutcome> {
  const { url, connections, users, database } = settings;
  const tokens = await issueAll(url, users, connections);
  await waitForActive(url, tokens.slice(-100), Math.min(100, tokens.length), 60_000);
  const seats = (await allSchedules(url)).filter((s) => s.concertId > 3); // generated concerts only

  const heldBy = new Map<number, string>();
  let nextHold = 0;
  const holds = await withSqlCost(
    [url],
    () => nextHold, // requests sent
    () =>
      fire('holds for the payment run', {
        url,
        connections,
        amount: tokens.length,
        requests: [
          {
            method: 'POST',
            path: '/reservations',
            setupRequest: (request) => {
              const k = nextHold++;
              const { userId, token } = tokens[k % tokens.length]!;
              return {
                ...request,
                headers: { ...json, 'x-queue-token': token, 'idempotency-key': randomUUID() },
                body: JSON.stringify({
                  userId,
                  ...seats[Math.floor(k / 50) % seats.length]!,
                  seatNumber: (k % 50) + 1,
                }),
              };
            },
            onResponse: (status, body) => {
              if (status !== 201) return;
              const { userId, reservationId } = JSON.parse(body) as { userId: number; reservationId: string };
              heldBy.set(userId, reservationId);
            },
          },
        ],
      }),
  );

  let nextCharge = 0;
  const charges = await withSqlCost(
    [url],
    () => nextCharge,
    () =>
      fire('charges', {
        url,
        connections,
        amount: tokens.length, // long enough to read a rate from, however slow the machine is today
        requests: [
          {
            method: 'PATCH',
            setupRequest: (request) => {
              const { userId, token } = tokens[nextCharge++ % tokens.length]!;
              return {
                ...request,
                path: `/users/${userId}/charge`,
                headers: { ...json, 'x-queue-token': token, 'idempotency-key': randomUUID() },
                body: JSON.stringify({ amount: CHARGE }),
              };
            },
          },
        ],
      }),
  );

  const payers = tokens.filter((t) => heldBy.has(t.userId));
  const payments = await payHeldSeats('payments', { url, connections, database }, payers, heldBy);
  return { holds, charges, payments, held: heldBy.size, paid: payments.statusCodes['201'] ?? 0 };
}
