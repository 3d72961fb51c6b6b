import type { Database } from '../../src/db/client.js';

/** Users whose balance differs from the sum of their ledger rows (should be none). */
export async function ledgerMismatches(database: Database): Promise<number> {
  const [row] = await database.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM users u
    WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entries l WHERE l.user_id = u.id)`;
  return row!.n;
}

export async function ledgerRows(database: Database, userId: number, kind: string): Promise<number> {
  const [row] = await database.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM ledger_entries WHERE user_id = ${userId} AND kind = ${kind}`;
  return row!.n;
}
