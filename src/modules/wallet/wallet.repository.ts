import type { Queryable, Tx } from '../../db/client.js';

export async function findBalance(db: Queryable, userId: number): Promise<number | undefined> {
  const [row] = await db<{ balance: number }[]>`SELECT balance FROM users WHERE id = ${userId}`;
  return row?.balance;
}

/** Adds to the balance and writes the ledger row; undefined when the user does not exist. */
export async function credit(tx: Tx, userId: number, amount: number, at: Date): Promise<number | undefined> {
  const [row] = await tx<{ balance: number }[]>`
    UPDATE users SET balance = balance + ${amount} WHERE id = ${userId} RETURNING balance`;
  if (!row) return undefined;
  await tx`INSERT INTO ledger_entries (user_id, amount, kind, created_at) VALUES (${userId}, ${amount}, 'CHARGE', ${at})`;
  return row.balance;
}

/**
 * Takes money only if the balance covers it (one conditional UPDATE, so concurrent
 * debits can never overdraw) and writes the ledger row; undefined when it does not.
 */
export async function debitForPayment(
  tx: Tx,
  { userId, amount, paymentId, at }: { userId: number; amount: number; paymentId: string; at: Date },
): Promise<number | undefined> {
  const [row] = await tx<{ balance: number }[]>`
    UPDATE users SET balance = balance - ${amount} WHERE id = ${userId} AND balance >= ${amount} RETURNING balance`;
  if (!row) return undefined;
  await tx`
    INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
    VALUES (${userId}, ${-amount}, 'PAYMENT', ${paymentId}, ${at})`;
  return row.balance;
}

/**
 * Counts a charge against the user's month, only while the month stays within the
 * limit: one conditional upsert, so concurrent charges cannot pass it together.
 * Returns the month's new total, or undefined when the charge would exceed it.
 */
export async function addToMonthlyCharges(
  tx: Tx,
  { userId, month, amount, limit }: { userId: number; month: string; amount: number; limit: number },
): Promise<number | undefined> {
  const [row] = await tx<{ total: number }[]>`
    INSERT INTO monthly_charges (user_id, month, total) VALUES (${userId}, ${month}, ${amount})
    ON CONFLICT (user_id, month) DO UPDATE SET total = monthly_charges.total + EXCLUDED.total
      WHERE monthly_charges.total + EXCLUDED.total <= ${limit}
    RETURNING total`;
  return row?.total;
}

export async function monthlyChargedSoFar(db: Queryable, userId: number, month: string): Promise<number> {
  const [row] = await db<{ total: number }[]>`
    SELECT total FROM monthly_charges WHERE user_id = ${userId} AND month = ${month}`;
  return row?.total ?? 0;
}
