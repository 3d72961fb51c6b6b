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
  /** Statements the app has sent since start (BEGIN/COMMIT not counted); the load test divides it by requests. */
  queryCount(): number;
  /**
   * Transactions the app has opened (`sql.begin`). Each adds a BEGIN and a COMMIT round
   * trip, so statements + 2 × transactions bounds the round trips from above; a single
   * statement outside any transaction (the money and seat operations) is exactly one.
   */
  transactionCount(): number;
  close(): Promise<void>;
}

export interface ConnectOptions {
  max: number;
  onClose?: () => Promise<void>;
  /** Seconds to open a connection before the request fails with 503 (default 1.5). */
  connectTimeoutSeconds?: number;
}

/** Opens a postgres.js pool; int8 (counts, money) comes back as a JS number. */
export function connect(
  target: string | PgTarget,
  { max, onClose, connectTimeoutSeconds = 1.5 }: ConnectOptions,
): Database {
  let queries = 0;
  let transactions = 0;
  const options: postgres.Options<NoTypes> = {
    max,
    onnotice: () => {},
    // A server that is gone fails a request in ≤ 1.5 s (then 503 DATABASE_UNAVAILABLE), never hangs it.
    connect_timeout: connectTimeoutSeconds,
    // Money and counts stay far below 2^53 won; numbers are what the API returns.
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: Number } },
    // Plan every execution for its own values and the tables' current size. PostgreSQL's default
    // lets a prepared statement switch to a generic plan after five runs and keep it for the life
    // of the connection: costed while a table was empty (a fresh deployment, after VACUUM ANALYZE),
    // that plan scans the table sequentially forever after, however large it grows. Custom plans
    // read the relation's real size each time, so they turn to the index as soon as it pays.
    //
    // No request waits for ever behind a process that stopped (SIGSTOP, a GC pause, a frozen VM)
    // in the middle of a transaction: a lock not granted in 2 s fails the statement (55P03, a 503
    // with Retry-After that a client retries with its Idempotency-Key), and a session idle inside
    // a transaction for 5 s is ended by the server, which rolls it back and frees its locks.
    connection: {
      plan_cache_mode: 'force_custom_plan',
      lock_timeout: 2000, // ms
      idle_in_transaction_session_timeout: 5000,
    },
  };
  const sql =
    typeof target === 'string'
      ? postgres(...withSocketHost(target, options))
      : postgres({ ...target, ...options });
  return {
    sql: counting(
      sql as unknown as Sql,
      () => {
        queries += 1;
      },
      () => {
        transactions += 1;
      },
    ),
    queryCount: () => queries,
    transactionCount: () => transactions,
    close: async () => {
      await sql.end({ timeout: 5 });
      await onClose?.();
    },
  };
}

/**
 * The same client, counting statements as the app creates them: a call of the tag
 * or of `unsafe`, in the pool or in a transaction. (postgres.js's `debug` hook would
 * count too, but it captures a stack trace for every query: measurably slower.)
 */
function counting<T extends Sql | Tx>(sql: T, count: () => void, countBegin: () => void): T {
  return new Proxy(sql, {
    apply(target, self, args) {
      count();
      return Reflect.apply(target, self, args);
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'unsafe') {
        return (...args: unknown[]) => {
          count();
          return Reflect.apply(value as (...args: unknown[]) => unknown, target, args);
        };
      }
      if (property === 'begin') {
        // The callback is the last argument: hand it a counting transaction.
        return (...args: unknown[]) => {
          countBegin();
          const callback = args.pop() as (tx: Tx) => unknown;
          const begin = value as (...args: unknown[]) => unknown;
          return Reflect.apply(begin, target, [
            ...args,
            (tx: Tx) => callback(counting(tx, count, countBegin)),
          ]);
        };
      }
      return value;
    },
  });
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

/**
 * Runs `work` in one transaction in which the planner takes an index wherever one serves
 * (`SET LOCAL enable_seqscan = off`). For the background statements that select by a time
 * range (the hold sweep, idempotency pruning, the revocation read): their row estimates come
 * from statistics, and statistics taken while a table was small make a sequential scan of the
 * grown table look cheap (issue 18; the sustained load test saw it on `seats` and `payments`).
 * Costs two round trips (BEGIN, COMMIT) and the SET, once per pass, never per request.
 */
export async function withIndexScans<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`SET LOCAL enable_seqscan = off`;
    return work(tx);
  })) as T;
}
