import type { Database } from '../src/db/client.js';
import { allSchedules, type IssuedToken, waitForActive } from './lib/api.js';
import { fire, type LoadResult, type WindowStats } from './lib/cannon.js';
import { type SqlCost, withSqlCost } from './lib/sql-cost.js';

/** Tables whose scans the sustained run reports: every hold and payment touches them. */
const WRITE_TABLES = ['reservations', 'idempotency_keys', 'payments', 'seats', 'users', 'ledger_entries'];
const json = { 'content-type': 'application/json' };
const PRICE = 80_000;

export interface TableScans {
  table: string;
  seqScans: number;
  idxScans: number;
  rows: number;
}

export interface SustainedOutcome {
  holds: LoadResult;
  payments: LoadResult;
  held: number;
  paid: number;
  /** Last whole 10-s window's throughput over the first's. */
  holdsLastToFirst: number;
  paymentsLastToFirst: number;
  /** Scans of the write tables during the run (counters after minus before). */
  scans: TableScans[];
  /** Statements and round trips per hold and per payment, counted by the server. */
  sql: { holds: SqlCost; payments: SqlCost };
}

export interface SustainedSettings {
  url: string;
  connections: number;
  users: number;
  holdSeconds: number;
  /** Pay at most this many of the holds (all of them in a full run). */
  maxPayments: number;
  /** The server's database, for preparing balances and reading scan counters. */
  database: Database;
}

const lastToFirst = (windows: WindowStats[]) =>
  windows.length < 2 ? Number.NaN : windows.at(-1)!.perSecond / windows[0]!.perSecond;

/**
 * Writes from a fresh database, for long enough to show whether they slow down as the
 * tables grow: every user holds a different free seat for `holdSeconds`, then every
 * hold is paid (balances topped up beforehand, in SQL, with their ledger rows).
 */
export async function sustainedWrites(settings: SustainedSettings): Promise<SustainedOutcome> {
  const { url, connections, users, database } = settings;
  const tokens = await issueAll(url, users, connections);
  // Admission is FIFO and the server admits everyone: once the last arrivals are in, all are.
  await waitForActive(url, tokens.slice(-100), Math.min(100, tokens.length), 60_000);
  const seats = (await allSchedules(url)).filter((s) => s.concertId > 3); // generated concerts only
  const before = await settledScanCounters(database);

  const heldBy = new Map<number, string>();
  let next = 0;
  const holds = await withSqlCost(
    [url],
    () => next, // requests sent
    () =>
      fire('sustained holds of free seats', {
        url,
        connections,
        duration: settings.holdSeconds,
        requests: [
          {
            method: 'POST',
            path: '/reservations',
            setupRequest: (request) => {
              const k = next++ % tokens.length;
              const { userId, token } = tokens[k]!;
              const schedule = seats[Math.floor(k / 50) % seats.length]!;
              return {
                ...request,
                headers: { ...json, 'x-queue-token': token, 'idempotency-key': `sustained-hold-${userId}` },
                body: JSON.stringify({ userId, ...schedule, seatNumber: (k % 50) + 1 }),
              };
            },
            onResponse: (status, body) => {
              if (status !== 201) return;
              const { userId, reservationId } = JSON.parse(body) as { userId: number; reservationId: string };
              heldBy.set(userId, reservationId);
            },
          },
        ],
      }),
  );

  const payers = tokens.filter((t) => heldBy.has(t.userId)).slice(0, settings.maxPayments);
  const payments = await payHeldSeats('sustained payments', { url, connections, database }, payers, heldBy);
  const after = await settledScanCounters(database);
  return {
    holds,
    payments,
    held: heldBy.size,
    paid: payments.statusCodes['201'] ?? 0,
    holdsLastToFirst: lastToFirst(holds.windows),
    paymentsLastToFirst: lastToFirst(payments.windows),
    sql: { holds: holds.sql, payments: payments.sql },
    scans: after.map((a) => {
      const b = before.find((row) => row.table === a.table);
      return { ...a, seqScans: a.seqScans - (b?.seqScans ?? 0), idxScans: a.idxScans - (b?.idxScans ?? 0) };
    }),
  };
}

/**
 * Tops up each payer's balance by the price in SQL (with its ledger rows, so balance = ledger
 * sum), then pays every payer's held seat once, one payment per request.
 */
export async function payHeldSeats(
  title: string,
  { url, connections, database }: { url: string; connections: number; database: Database },
  payers: IssuedToken[],
  heldBy: Map<number, string>,
) {
  await database.sql`
    WITH topped AS (
      UPDATE users SET balance = balance + ${PRICE} WHERE id = ANY(${payers.map((p) => p.userId)}) RETURNING id
    )
    INSERT INTO ledger_entries (user_id, amount, kind, created_at) SELECT id, ${PRICE}, 'CHARGE', now() FROM topped`;
  let nextPayer = 0;
  return withSqlCost(
    [url],
    () => nextPayer, // requests sent
    () =>
      fire(title, {
        url,
        connections,
        amount: payers.length,
        requests: [
          {
            method: 'POST',
            path: '/payments',
            setupRequest: (request) => {
              const { userId, token } = payers[nextPayer++ % payers.length]!;
              return {
                ...request,
                headers: { ...json, 'x-queue-token': token, 'idempotency-key': `pay-${userId}` },
                body: JSON.stringify({ reservationId: heldBy.get(userId), amount: PRICE }),
              };
            },
          },
        ],
      }),
  );
}

/** A token for each of users 1..count, in order (so in queue order). */
export async function issueAll(url: string, count: number, connections: number): Promise<IssuedToken[]> {
  const tokens: IssuedToken[] = [];
  let next = 0;
  await fire('sustained: issue tokens', {
    url,
    connections,
    amount: count,
    requests: [
      {
        method: 'POST',
        path: '/waiting/issue',
        headers: json,
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ userId: ++next }) }),
        onResponse: (status, body) => {
          if (status === 200) tokens.push(JSON.parse(body) as IssuedToken);
        },
      },
    ],
  });
  return tokens.sort((a, b) => a.userId - b.userId);
}

/**
 * Counters once the set-up's scans have been published: PostgreSQL backends publish theirs
 * at most once a second (or after 10 s idle), so wait until two reads a second apart agree.
 */
async function settledScanCounters(database: Database): Promise<TableScans[]> {
  let last = await scanCounters(database);
  for (let waited = 0; waited < 12; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await scanCounters(database);
    const seq = (scans: TableScans[]) => scans.map((t) => t.seqScans).join();
    if (seq(now) === seq(last)) return now; // index scans move on: the sweeper runs throughout
    last = now;
  }
  return last;
}

async function scanCounters(database: Database): Promise<TableScans[]> {
  await database.sql`SELECT pg_stat_clear_snapshot()`;
  return database.sql<TableScans[]>`
    SELECT relname AS table, seq_scan::int AS "seqScans", coalesce(idx_scan, 0)::int AS "idxScans",
           n_live_tup::int AS rows
    FROM pg_stat_user_tables WHERE relname = ANY(${WRITE_TABLES}) ORDER BY relname`;
}
