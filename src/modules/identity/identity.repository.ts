import type { Queryable } from '../../db/client.js';

/**
 * Creates the user with balance 0 if it does not exist. No ledger row: the balance
 * equals the sum of the user's ledger rows, which is 0 for none (and the ledger's
 * CHECK refuses a zero row anyway).
 */
export async function ensureUser(db: Queryable, userId: number): Promise<void> {
  await db`INSERT INTO users (id, balance) VALUES (${userId}, 0) ON CONFLICT (id) DO NOTHING`;
}
