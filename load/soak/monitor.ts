import fs from 'node:fs';
import type { Database } from '../../src/db/client.js';
import { percentile } from '../lib/cannon.js';
import type { Outcome } from './driver.js';

export const TABLES = [
  'seats',
  'users',
  'monthly_charges',
  'reservations',
  'payments',
  'ledger_entries',
  'idempotency_keys',
] as const;
/** Rows are only updated, never added, in these: their size must level off. */
const FIXED_ROW_TABLES = new Set(['seats', 'users', 'monthly_charges']);

export interface TableSample {
  table: string;
  liveRows: number;
  deadRows: number;
  tableBytes: number;
  indexBytes: number;
}

export interface Sample {
  /** Minutes since the soak began (fractional for short periods). */
  minute: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  rssMb: number;
  heapMb: number | null;
  tables: TableSample[];
  idempotencyKeys: number;
}

function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** The server's V8 heap in use, from /metrics when the server has it. */
async function heapMb(url: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
    return match ? Math.round(Number(match[1]) / 2 ** 20) : null;
  } catch {
    return null;
  }
}

async function tables(database: Database): Promise<TableSample[]> {
  return database.sql<TableSample[]>`
    SELECT relname AS table, n_live_tup::int AS "liveRows", n_dead_tup::int AS "deadRows",
           pg_table_size(relid)::bigint AS "tableBytes", pg_indexes_size(relid)::bigint AS "indexBytes"
    FROM pg_stat_user_tables WHERE relname = ANY(${[...TABLES]}) ORDER BY relname`;
}

/** One sample: the period's requests (taken from `outcomes`), the server's memory, the tables. */
export async function takeSample(
  minute: number,
  outcomes: Outcome[],
  server: { url: string; pid: number },
  database: Database,
): Promise<Sample> {
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const [{ count }] =
    (await database.sql`SELECT count(*)::int AS count FROM idempotency_keys`) as unknown as [
      { count: number },
    ];
  return {
    minute,
    requests: outcomes.length,
    errors: outcomes.filter((o) => o.status === 0 || o.status >= 500).length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    rssMb: rssMb(server.pid),
    heapMb: await heapMb(server.url),
    tables: await tables(database),
    idempotencyKeys: count,
  };
}

export interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * Compares the first third of the run with the last (after the first sample, which warms up):
 * latency and memory must not trend upward, and a table must not grow beyond what its rows
 * explain (fixed-row tables level off; history tables keep their bytes per row).
 */
export function verdicts(samples: Sample[]): Verdict[] {
  const steady = samples.slice(1);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const first = steady.slice(0, third);
  const last = steady.slice(-third);
  const result: Verdict[] = [];
  const errors = samples.reduce((sum, s) => sum + s.errors, 0);
  result.push({ name: 'no 5xx and no unanswered request', ok: errors === 0, detail: `${errors}` });
  // A real slowdown (a scan that grows with the tables, a leak) lifts the median with the tail;
  // a busy neighbour on a shared machine moves the p99 of a period alone.
  const [p50First, p50Last] = [median(first.map((s) => s.p50)), median(last.map((s) => s.p50))];
  const [p99First, p99Last] = [median(first.map((s) => s.p99)), median(last.map((s) => s.p99))];
  result.push({
    name: 'latency does not trend upward (last third: p50 ≤ 1.5 × first + 5 ms or p99 ≤ 1.5 × first + 10 ms)',
    ok: p50Last <= p50First * 1.5 + 5 || p99Last <= p99First * 1.5 + 10,
    detail: `p50 ${p50First} → ${p50Last} ms, p99 ${p99First} → ${p99Last} ms`,
  });
  const rssFirst = Math.max(...first.map((s) => s.rssMb));
  const rssLast = Math.max(...last.map((s) => s.rssMb));
  result.push({
    name: 'memory does not trend upward (RSS, last third ≤ 1.25 × first + 32 MB)',
    ok: rssLast <= rssFirst * 1.25 + 32,
    detail: `${rssFirst} → ${rssLast} MB`,
  });
  const heapsFirst = first.map((s) => s.heapMb).filter((h): h is number => h !== null);
  const heapsLast = last.map((s) => s.heapMb).filter((h): h is number => h !== null);
  if (heapsFirst.length > 0 && heapsLast.length > 0) {
    const [a, b] = [median(heapsFirst), median(heapsLast)];
    result.push({
      name: 'heap does not trend upward (last third ≤ 1.25 × first + 16 MB)',
      ok: b <= a * 1.25 + 16,
      detail: `${a} → ${b} MB`,
    });
  }
  const at = (sample: Sample, table: string) => sample.tables.find((t) => t.table === table);
  for (const table of TABLES) {
    const a = at(first.at(-1)!, table);
    const b = at(samples.at(-1)!, table);
    if (!a || !b) continue;
    const bytes = (t: TableSample) => t.tableBytes + t.indexBytes;
    if (FIXED_ROW_TABLES.has(table)) {
      result.push({
        name: `${table}: size levels off (end ≤ 2 × after the first third + 1 MiB)`,
        ok: bytes(b) <= bytes(a) * 2 + 2 ** 20,
        detail: `${mib(bytes(a))} → ${mib(bytes(b))} MiB, ${b.deadRows} dead rows at the end`,
      });
    } else {
      const perRow = (t: TableSample) => bytes(t) / Math.max(t.liveRows, 1);
      result.push({
        name: `${table}: bytes per row stay put (end ≤ 1.5 × after the first third + 256)`,
        ok: perRow(b) <= perRow(a) * 1.5 + 256,
        detail: `${Math.round(perRow(a))} → ${Math.round(perRow(b))} B/row, ${b.liveRows} rows`,
      });
    }
  }
  return result;
}

export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
