import fs from 'node:fs/promises';
import path from 'node:path';
import type { MoneyOutcome } from '../money.js';
import type {
  CheckOutcome,
  FreeHoldOutcome,
  IssueOutcome,
  ScheduleOutcome,
  SeatOutcome,
  StormOutcome,
} from '../scenarios.js';
import type { SustainedOutcome } from '../sustained.js';
import { fmt, type LoadResult } from './cannon.js';
import type { ResourceSummary } from './sampler.js';
import { costLine } from './sql-cost.js';
import { lineChart } from './svg.js';

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export interface RunReport {
  startedAt: string;
  mode: string;
  settings: Record<string, string | number | boolean>;
  bare: LoadResult;
  /** The same route without Fastify's per-request log lines (as the app runs). */
  quietBare: LoadResult;
  issue: IssueOutcome & { resources: ResourceSummary };
  check: CheckOutcome & { resources: ResourceSummary };
  schedules: ScheduleOutcome & { resources: ResourceSummary };
  seats: SeatOutcome & { resources: ResourceSummary };
  storm: StormOutcome & { resources: ResourceSummary };
  freeHolds: FreeHoldOutcome & { resources: ResourceSummary };
  /** 6. Absent with --target (it needs a fresh database of its own). */
  sustained: (SustainedOutcome & { resources: ResourceSummary }) | undefined;
  /** 7–8. Absent with --target (balances are prepared in SQL). */
  money?: (MoneyOutcome & { resources: ResourceSummary }) | undefined;
  targets: Target[];
}

const ratio = (result: LoadResult | undefined, bare: LoadResult) =>
  result ? `${fmt((result.reqPerSec / bare.reqPerSec) * 100)}%` : '—';

function row(label: string, r: LoadResult, bare: LoadResult, resources?: ResourceSummary): string {
  const codes = Object.entries(r.statusCodes)
    .map(([code, n]) => `${code}×${fmt(n)}`)
    .join(' ');
  const cpu = resources ? `${resources.serverCpuAvg}% / ${resources.treeCpuAvg}%` : '—';
  const rss = resources ? `${resources.serverRssMaxMb} / ${resources.treeRssMaxMb}` : '—';
  return (
    `| ${label} | ${r.connections} | ${fmt(r.reqPerSec)} | ${ratio(r, bare)} | ${r.latency.p50} | ${r.latency.p95} | ` +
    `${r.latency.p99} | ${r.latency.max} | ${codes} | ${r.errors + r.timeouts} | ${cpu} | ${rss} |`
  );
}

const HEADER =
  '| run | conns | req/s | vs bare | p50 ms | p95 ms | p99 ms | max ms | answers | errors | CPU node / +db | RSS MB node / +db |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|';

const timelineChart = (title: string, results: LoadResult[]) => ({
  perSecond: lineChart(
    `${title}: responses per second`,
    'second',
    'req/s',
    results.map((r) => ({
      name: r.title,
      points: r.timeline.map((s) => [s.second, s.responses] as [number, number]),
    })),
  ),
  latency: lineChart(
    `${title}: latency per second`,
    'second',
    'ms',
    results.flatMap((r) => [
      { name: `${r.title} p50`, points: r.timeline.map((s) => [s.second, s.p50] as [number, number]) },
      { name: `${r.title} p99`, points: r.timeline.map((s) => [s.second, s.p99] as [number, number]) },
    ]),
  ),
});

/** Writes `<dir>/<stamp>.md`, `<stamp>.json` and `<stamp>-*.svg`; returns the Markdown path. */
export async function writeReport(dir: string, report: RunReport): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const charts: Record<string, string> = {};
  const chart = (name: string, svg: string) => {
    charts[name] = svg;
    return `![${name}](${stamp}-${name}.svg)`;
  };
  const timelineCharts = (name: string, svgs: { perSecond: string; latency: string }) => [
    chart(`${name}-rate`, svgs.perSecond),
    chart(`${name}-latency`, svgs.latency),
  ];
  const { bare, issue, check, schedules, seats, storm, freeHolds } = report;
  const issueCurve = lineChart('token issue: ramp', 'connections', 'req/s and p99 ms', [
    { name: 'req/s', points: issue.stages.map((s) => [s.connections, s.reqPerSec]) },
    { name: 'p99 ms × 100', points: issue.stages.map((s) => [s.connections, s.latency.p99 * 100]) },
  ]);
  const checkCharts = timelineChart('token check', [check.result]);
  const seatCharts = timelineChart('seat map under writes', [seats.readers, seats.writers]);
  const stormCharts = timelineChart('reservation storm', [storm.result, freeHolds.result]);
  const scheduleCharts = timelineChart('schedule lookup', [schedules.result]);
  const md = [
    `# stagedoor load test — ${report.startedAt}`,
    '',
    `Mode: **${report.mode}**. Settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
    '## Targets',
    '',
    '| target | met | measured |',
    '|---|---|---|',
    ...report.targets.map((t) => `| ${t.name} | ${t.met ? 'yes' : '**no**'} | ${t.detail} |`),
    '',
    '## All runs',
    '',
    HEADER,
    row('bare Fastify JSON route', bare, bare),
    row('bare route without request logs', report.quietBare, bare),
    ...issue.stages.map((s) => row(`1. ${s.title}`, s, bare, issue.resources)),
    row('2. token check', check.result, bare, check.resources),
    row('3. schedule lookup', schedules.result, bare, schedules.resources),
    row('4. seat map', seats.readers, bare, seats.resources),
    row('4. writers (charge/hold/pay)', seats.writers, bare, seats.resources),
    row('5. reservation storm', storm.result, bare, storm.resources),
    row('5b. holds of free seats', freeHolds.result, bare, freeHolds.resources),
    ...(report.sustained
      ? [
          row('6. sustained holds', report.sustained.holds, bare, report.sustained.resources),
          row('6. sustained payments', report.sustained.payments, bare, report.sustained.resources),
        ]
      : []),
    ...(report.money
      ? [
          row('7. charges', report.money.charges, bare, report.money.resources),
          row('8. payments', report.money.payments, bare, report.money.resources),
        ]
      : []),
    '',
    'CPU is the average over the run in % of one core (the server process, then with its children: the',
    'embedded PostgreSQL). RSS is the peak. "answers" counts HTTP statuses.',
    '',
    '## 1. Token issue at opening time',
    '',
    issue.best
      ? `Highest sustained rate with p99 < 100 ms and no errors: **${fmt(issue.best.reqPerSec)} req/s** at ` +
        `${issue.best.connections} connections (p99 ${issue.best.latency.p99} ms), ${ratio(issue.best, bare)} of the bare route.`
      : 'No stage kept p99 < 100 ms without errors.',
    '',
    chart('issue-ramp', issueCurve),
    '',
    '## 2. Token check (polling)',
    '',
    `p50 ${check.result.latency.p50} ms, p95 ${check.result.latency.p95} ms, p99 ${check.result.latency.p99} ms, ` +
      `max ${check.result.latency.max} ms. Per-second p50 stayed within ${check.spread.p50Min}–${check.spread.p50Max} ms ` +
      `and p99 within ${check.spread.p99Min}–${check.spread.p99Max} ms (std. dev. ${check.spread.p99StdDev} ms).`,
    '',
    ...timelineCharts('check', checkCharts),
    '',
    '## 3. Schedule lookup',
    '',
    `Cache hit rate **${fmt(schedules.cacheHitRate * 100, 2)}%**; SQL statements per request ` +
      `**${fmt(schedules.sqlPerRequest, 4)}** (counted by the server).`,
    '',
    ...timelineCharts('schedules', scheduleCharts),
    '',
    '## 4. Seat map while seats are held and paid',
    '',
    `${fmt(seats.paidSeats)} seats were paid during the run. Reads that showed a paid seat as anything but ` +
      `RESERVED after its payment had completed: **${seats.staleReads}**. Seat maps answered from the ` +
      `version-checked cache: ${fmt(seats.cacheHitRate * 100, 2)}%.`,
    '',
    ...timelineCharts('seats', seatCharts),
    '',
    '## 5. Reservation storm',
    '',
    `${fmt(storm.won)} holds won (201), ${fmt(storm.refused)} refused (409). Seats won twice: **${storm.doubleWins}**. ` +
      `Deadlocks counted by PostgreSQL during the storm: **${storm.deadlocks}**. The wins (each a transaction) ` +
      'come in the first second, while seats are free; after that the storm is refusals, which are answered ' +
      'from the seat-map cache without a transaction.',
    '',
    `**5b.** The transaction path alone, every request a different free seat: ${fmt(freeHolds.result.reqPerSec)} ` +
      `holds/s, p50 ${freeHolds.result.latency.p50} ms, p99 ${freeHolds.result.latency.p99} ms; ` +
      `${fmt(freeHolds.won)} won, ${fmt(freeHolds.refused)} refused; deadlocks: **${freeHolds.deadlocks}**.`,
    '',
    ...timelineCharts('storm', stormCharts),
    '',
    ...sustainedSection(report.sustained, chart),
    ...sqlSection(report),
    '## How to read this',
    '',
    'Each scenario runs autocannon against the server for a fixed time; "vs bare" divides its req/s by the bare',
    'Fastify route measured in the same run on the same machine, which factors out how fast this machine is today.',
    'The charts show each second of a run: a flat line is a steady server; p99 spikes are pauses (GC, a slow query).',
    'The raw figures, including every per-second sample and the CPU/RSS samples, are in the JSON beside this file.',
    '',
  ].join('\n');
  await fs.writeFile(path.join(dir, `${stamp}.md`), md);
  // The issued tokens are the run's working data, not a result: only their count is kept.
  const { tokens, ...issueFigures } = report.issue;
  const raw = { ...report, issue: { ...issueFigures, tokensIssued: tokens.length } };
  await fs.writeFile(path.join(dir, `${stamp}.json`), JSON.stringify(raw, null, 1));
  for (const [name, svg] of Object.entries(charts))
    await fs.writeFile(path.join(dir, `${stamp}-${name}.svg`), svg);
  return path.join(dir, `${stamp}.md`);
}

/** 6. Per-10-s windows of the sustained run, with a chart, and the write tables' scans. */
function sustainedSection(
  sustained: RunReport['sustained'],
  chart: (name: string, svg: string) => string,
): string[] {
  if (!sustained) return [];
  const { holds, payments } = sustained;
  const windowRows = (name: string, r: LoadResult) =>
    r.windows.map(
      (w) =>
        `| ${name} | ${w.fromSecond}–${w.fromSecond + 10} s | ${fmt(w.perSecond)} | ${w.p50} | ${w.p99} |`,
    );
  const series = (name: string, r: LoadResult) => [
    {
      name: `${name} per second`,
      points: r.windows.map((w) => [w.fromSecond + 10, w.perSecond] as [number, number]),
    },
    { name: `${name} p99 ms`, points: r.windows.map((w) => [w.fromSecond + 10, w.p99] as [number, number]) },
  ];
  return [
    '## 6. Sustained writes from a fresh database',
    '',
    `A server on a database of its own, freshly created: ${fmt(sustained.held)} holds of different free seats ` +
      `in ${holds.durationSeconds} s, then ${fmt(sustained.paid)} payments for them. The last whole 10-s window ` +
      `of holds ran at **${fmt(sustained.holdsLastToFirst, 2)}×** the first (payments: ` +
      `${fmt(sustained.paymentsLastToFirst, 2)}×): writes that slowed down as the tables grew would show here.`,
    '',
    '| run | window | per second | p50 ms | p99 ms |',
    '|---|---|---:|---:|---:|',
    ...windowRows('holds', holds),
    ...windowRows('payments', payments),
    '',
    chart(
      'sustained-windows',
      lineChart('sustained writes, per 10-s window', 'seconds', 'per second / p99 ms', [
        ...series('holds', holds),
        ...series('payments', payments),
      ]),
    ),
    '',
    "Scans of the write tables during the run (PostgreSQL's counters, after minus before): a sequential",
    'scan of a growing table would make every write cost more than the one before.',
    '',
    '| table | sequential scans | index scans | rows after |',
    '|---|---:|---:|---:|',
    ...sustained.scans.map(
      (t) => `| ${t.table} | ${fmt(t.seqScans)} | ${fmt(t.idxScans)} | ${fmt(t.rows)} |`,
    ),
    '',
  ];
}

/** Statements and round trips per request of every write scenario, counted by the servers. */
function sqlSection(report: RunReport): string[] {
  const { storm, freeHolds, sustained, money } = report;
  const line = (name: string, cost: Parameters<typeof costLine>[0]) => `| ${name} | ${costLine(cost)} |`;
  return [
    '## SQL per request of the write scenarios',
    '',
    'Counted by the servers at the client (`/stats`: statements, and a BEGIN and COMMIT per transaction). A',
    'hold, payment, charge, release or refund is one statement outside any transaction: one round trip.',
    'Refusals answered from the seat-map cache look for a stored replay (one statement); a map reloaded',
    'after a seat change adds one. Background work (revocations per tick, the sweeper) is included.',
    '',
    '| scenario | per request |',
    '|---|---|',
    line('5. reservation storm', storm.sql),
    line('5b. holds of free seats', freeHolds.sql),
    ...(sustained
      ? [
          line('6. sustained holds', sustained.sql.holds),
          line('6. sustained payments', sustained.sql.payments),
        ]
      : []),
    ...(money
      ? [
          line('7–8. holds (set-up of the payments)', money.holds.sql),
          line('7. charges', money.charges.sql),
          line('8. payments', money.payments.sql),
        ]
      : []),
    '',
  ];
}
