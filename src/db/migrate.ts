import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK = 7_410_001;

/**
 * Applies `migrations/NNN_name.sql` files not yet recorded in `schema_migrations`,
 * all in one transaction under an advisory lock, so processes starting together
 * migrate once and a failed migration leaves nothing behind.
 */
export async function migrate(sql: Sql): Promise<string[]> {
  const files = (await fs.readdir(MIGRATIONS_DIR)).filter((name) => /^\d{3}_[\w-]+\.sql$/.test(name)).sort();
  return sql.begin(async (tx) => {
    // Processes starting together wait here for the first one's migration, however long it takes.
    await tx`SET LOCAL lock_timeout = 0`;
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set(
      (await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version),
    );
    const applied: string[] = [];
    for (const name of files) {
      const version = Number(name.slice(0, 3));
      if (done.has(version)) continue;
      await tx.unsafe(await fs.readFile(path.join(MIGRATIONS_DIR, name), 'utf8'));
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${name})`;
      applied.push(name);
    }
    return applied;
  });
}
