import postgres from 'postgres';
import type { PgTarget } from './embedded.js';

// biome-ignore lint/complexity/noBannedTypes: postgres.js spells "no custom types" as {}
type NoTypes = {};
export type Sql = postgres.Sql<NoTypes>;
/** A function that takes a `Tx` must run inside a transaction; the type says so. */
export type Tx = postgres.TransactionSql<NoTypes>;
/** Either the pool or a transaction: for statements that are correct in both. */
export type Queryable = Sql | Tx;

export interface Database {
  readonly sql: Sql;
  /** Statements sent since start; the load test divides it by requests. */
  queryCount(): number;
  close(): Promise<void>;
}

export interface ConnectOptions {
  max: number;
  onClose?: () => Promise<void>;
}

/** Opens a postgres.js pool; int8 (counts, money) comes back as a JS number. */
export function connect(target: string | PgTarget, { max, onClose }: ConnectOptions): Database {
  let queries = 0;
  const options: postgres.Options<NoTypes> = {
    max,
    onnotice: () => {},
    // Money and counts stay far below 2^53 won; numbers are what the API returns.
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: Number } },
    debug: () => {
      queries += 1;
    },
  };
  const sql =
    typeof target === 'string'
      ? postgres(...withSocketHost(target, options))
      : postgres({ ...target, ...options });
  return {
    sql: sql as unknown as Sql,
    queryCount: () => queries,
    close: async () => {
      await sql.end({ timeout: 5 });
      await onClose?.();
    },
  };
}

/** libpq's `postgres://user@/db?host=/socket/dir` form, which postgres.js leaves to its `host` option. */
function withSocketHost(
  url: string,
  options: postgres.Options<NoTypes>,
): [string, postgres.Options<NoTypes>] {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (!host?.startsWith('/')) return [url, options];
  parsed.searchParams.delete('host');
  return [parsed.toString(), { ...options, host }];
}
