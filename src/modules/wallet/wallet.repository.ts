import type { Queryable, Sql } from '../../db/client.js';
import { type OnceRow, runOnce } from '../../db/idempotency/index.js';

export async function findBalance(db: Queryable, userId: number): Promise<number | undefined> {
  const [row] = await db<{ balance: number }[]>`SELECT balance FROM users WHERE id = ${userId}`;
  return row?.balance;
}

/** Why sd_charge changed nothing. */
export type ChargeRefusal =
  | { code: 'USER_NOT_FOUND' }
  | { code: 'MONTHLY_CHARGE_LIMIT_EXCEEDED'; used: number };

/**
 * The charge in one statement and one round trip (sd_charge, migrations 008 and 011): the key's
 * claim; the balance and its ledger row; then the month's total, one conditional upsert
 * (so concurrent charges cannot pass the limit together), in the lock order users row →
 * month like every other writer; over the limit, SD409 undoes all of it with the statement; the stored answer.
 */
export async function chargeOnce(
  sql: Sql,
  charge: {
    userId: number;
    key: string;
    hash: string;
    amount: number;
    month: string;
    limit: number;
    now: Date;
  },
) {
  return runOnce(sql<OnceRow[]>`
    SELECT outcome, status, body, effect FROM sd_charge(${charge.userId}, ${charge.key}, ${charge.hash},
      ${charge.amount}, ${charge.month}, ${charge.limit}, ${charge.now})`);
}
