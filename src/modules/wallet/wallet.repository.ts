import type { Queryable } from '../../db/client.js';

export async function userExists(db: Queryable, userId: number): Promise<boolean> {
  const rows = await db`SELECT 1 FROM users WHERE id = ${userId}`;
  return rows.length > 0;
}

export async function findBalance(db: Queryable, userId: number): Promise<number | undefined> {
  const [row] = await db<{ balance: number }[]>`SELECT balance FROM users WHERE id = ${userId}`;
  return row?.balance;
}
