import { type ServerStats, serverStats } from './api.js';

/** What a scenario cost PostgreSQL per request, as the servers counted it at the client. */
export interface SqlCost {
  statementsPerRequest: number;
  /**
   * Statements plus a BEGIN and a COMMIT per transaction: an upper bound of the round trips
   * (pipelined statements of one transaction share one), exact for the one-statement
   * operations, which open no transaction.
   */
  roundTripsPerRequest: number;
}

/**
 * Runs `work` between two reads of the servers' counters. Each /stats read runs one
 * statement of its own (the deadlock count) per process, which is taken off; background
 * work (the per-tick revocation read, the hold sweeper) stays in, a few statements a second.
 */
export async function withSqlCost<T>(
  urls: string[],
  requestsOf: (outcome: T) => number,
  work: () => Promise<T>,
): Promise<T & { sql: SqlCost }> {
  const before = await serverStats(urls);
  const outcome = await work();
  await settle();
  const after = await serverStats(urls);
  return { ...outcome, sql: sqlCost(before, after, requestsOf(outcome), urls.length) };
}

/**
 * autocannon stops with a request in flight on every connection: the server still runs
 * them, so the cost is divided by the requests *sent* (counted in setupRequest), and the
 * counters are read once those have been answered.
 */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

export function sqlCost(
  before: ServerStats,
  after: ServerStats,
  requests: number,
  processes: number,
): SqlCost {
  const statements = after.sqlQueries - before.sqlQueries - processes;
  const transactions = (after.sqlTransactions ?? 0) - (before.sqlTransactions ?? 0);
  const per = (n: number) => Math.round((n / Math.max(requests, 1)) * 1000) / 1000;
  return { statementsPerRequest: per(statements), roundTripsPerRequest: per(statements + 2 * transactions) };
}

export const costLine = (cost: SqlCost | undefined) =>
  cost ? `${cost.statementsPerRequest} SQL, ${cost.roundTripsPerRequest} round trips per request` : '—';
