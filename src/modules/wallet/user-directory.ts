import type { Sql } from '../../db/client.js';

export interface UserDirectory {
  exists(userId: number): Promise<boolean>;
}

/**
 * Answers "does this user exist?" for the queue's issue route, the hottest path
 * at ticket opening. Lookups arriving in the same event-loop turn share one query
 * (`id = ANY(…)`), and users once seen are remembered: users are never deleted, so a
 * remembered "yes" stays true. A "no" is not remembered (the user may be added later).
 */
export function createUserDirectory(sql: Sql, rememberAtMost = 1_000_000): UserDirectory {
  const known = new Set<number>();
  let batch: Map<number, { resolve(exists: boolean): void; reject(error: unknown): void }[]> | undefined;

  async function flush(lookups: NonNullable<typeof batch>): Promise<void> {
    try {
      const ids = [...lookups.keys()];
      const rows = await sql<
        { id: number }[]
      >`SELECT id FROM users WHERE id = ANY(string_to_array(${ids.join(',')}, ',')::bigint[])`;
      const found = new Set(rows.map((row) => row.id));
      if (known.size + found.size > rememberAtMost) known.clear();
      for (const id of found) known.add(id);
      for (const [id, waiters] of lookups) for (const waiter of waiters) waiter.resolve(found.has(id));
    } catch (error) {
      for (const waiters of lookups.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }

  return {
    exists(userId) {
      if (known.has(userId)) return Promise.resolve(true);
      if (!batch) {
        const lookups = new Map();
        batch = lookups;
        setImmediate(() => {
          batch = undefined;
          void flush(lookups);
        });
      }
      const lookups = batch;
      return new Promise((resolve, reject) => {
        const waiters = lookups.get(userId) ?? [];
        waiters.push({ resolve, reject });
        lookups.set(userId, waiters);
      });
    },
  };
}
