/**
 * npm run soak [-- --minutes 30 --rate 10 --database URL --redis URL --users 20000]
 *
 * A steady mix of issue, check, balance, charge, hold, release, pay and refund at a fixed
 * rate of fan journeys, on PostgreSQL + Redis (a fresh database and key prefix of its own,
 * removed at the end), for `--minutes`. Every period it samples latency, the server's
 * memory (RSS, and V8 heap from /metrics when present), table and index sizes, dead
 * tuples and the count of stored idempotency keys. It fails (exit 1) when latency or
 * memory trends upward, a table grows beyond what its rows explain, or anything answers
 * 5xx. Report: load/reports/soak-<timestamp>.md (+ .json).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '../src/db/client.js';
import { allSchedules } from './lib/api.js';
import { createFreshDatabase } from './lib/fresh-database.js';
import { deleteKeysWithPrefix } from './lib/redis-keys.js';
import { startServerProcess } from './lib/server-process.js';
import { type Outcome, startDriver } from './soak/driver.js';
import { mib, type Sample, takeSample, verdicts } from './soak/monitor.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '10' },
    users: { type: 'string', default: '20000' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    out: { type: 'string', default: 'load/reports' },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const users = Number(args.users);
// Per-minute samples for a real soak; shorter runs sample every 10 s so the trend has points.
const periodMs = minutes >= 10 ? 60_000 : 10_000;
const log = (line: string) => process.stdout.write(`${line}\n`);
const cleanups: (() => Promise<unknown>)[] = [];

async function main(): Promise<number> {
  // Enough seats that the pool never runs dry: journeys × (1 − share released or refunded).
  const concerts = Math.ceil((minutes * 60 * rate) / 150) + 3;
  const fresh = await createFreshDatabase(args.database, 'sdsoak', { users, concerts });
  cleanups.push(fresh.drop);
  const prefix = `sdsoak:${randomBytes(3).toString('hex')}:`;
  cleanups.push(() => deleteKeysWithPrefix(args.redis, prefix));
  const server = await startServerProcess({
    DATABASE_URL: fresh.url,
    REDIS_URL: args.redis,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_TOKEN_SECRET: randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'warn',
    QUEUE_TICK_MS: '250',
    QUEUE_ADMIT_PER_TICK: '500',
    QUEUE_MAX_ACTIVE: '5000',
  });
  cleanups.push(() => server.stop());
  const database = connect(fresh.url, { max: 2 });
  cleanups.push(() => database.close());

  const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<string, unknown>;
  };
  const routes = {
    release: Boolean(
      (openapi.paths['/reservations/{reservationId}'] as Record<string, unknown> | undefined)?.delete,
    ),
    refund: '/reservations/{reservationId}/refund' in openapi.paths,
  };
  const schedules = (await allSchedules(server.url)).filter((s) => s.concertId > 3);
  log(
    `soak: ${minutes} min at ${rate} journeys/s on PostgreSQL + Redis, ${users} users; ` +
      `release ${routes.release ? 'on' : 'absent'}, refund ${routes.refund ? 'on' : 'absent'}`,
  );

  let period: Outcome[] = [];
  const all: Record<string, number[]> = {};
  const driver = startDriver({
    url: server.url,
    users,
    journeysPerSecond: rate,
    maxInFlight: rate * 30,
    schedules,
    routes,
    record: (outcome) => {
      period.push(outcome);
      const key = `${outcome.op} ${outcome.status}`;
      all[key] = [...(all[key] ?? []), outcome.ms];
    },
  });
  const samples: Sample[] = [];
  const started = Date.now();
  while (Date.now() - started < minutes * 60_000) {
    await new Promise((resolve) => setTimeout(resolve, periodMs));
    const taken = period;
    period = [];
    const sample = await takeSample(
      (Date.now() - started) / 60_000,
      taken,
      { url: server.url, pid: server.child.pid! },
      database,
    );
    samples.push(sample);
    log(
      `  ${sample.minute.toFixed(1)} min: ${sample.requests} requests, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ` +
        `errors ${sample.errors}, RSS ${sample.rssMb} MB, heap ${sample.heapMb ?? '–'} MB, keys ${sample.idempotencyKeys}`,
    );
  }
  await driver.stop();

  const results = verdicts(samples);
  const failed = results.filter((v) => !v.ok);
  const file = await writeReport(samples, results, all, driver.skipped());
  for (const v of results) log(`  [${v.ok ? 'ok' : 'FAILED'}] ${v.name}: ${v.detail}`);
  log(`soak: ${results.length - failed.length} checks passed, ${failed.length} failed; report ${file}`);
  return failed.length === 0 ? 0 : 1;
}

async function writeReport(
  samples: Sample[],
  results: ReturnType<typeof verdicts>,
  all: Record<string, number[]>,
  skipped: number,
) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await fs.mkdir(args.out, { recursive: true });
  const sizes = (s: Sample) =>
    s.tables.map((t) => `${t.table} ${mib(t.tableBytes + t.indexBytes)}`).join(', ');
  const md = [
    `# stagedoor soak run, ${new Date().toISOString()}`,
    '',
    `${minutes} minutes at ${rate} fan journeys per second (issue → check until admitted → balance → charge → hold →`,
    'release one in five, else pay → refund one paid seat in five), PostgreSQL + Redis, one server process.',
    `Journeys skipped because ${rate * 30} were already in flight: ${skipped}.`,
    '',
    '## Checks',
    '',
    '| check | ok | measured |',
    '|---|---|---|',
    ...results.map((v) => `| ${v.name} | ${v.ok ? 'yes' : '**no**'} | ${v.detail} |`),
    '',
    '## Per period',
    '',
    '| minute | requests | errors | p50 ms | p99 ms | RSS MB | heap MB | idempotency keys | table + index MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...samples.map(
      (s) =>
        `| ${s.minute.toFixed(1)} | ${s.requests} | ${s.errors} | ${s.p50} | ${s.p99} | ${s.rssMb} | ${s.heapMb ?? '–'} | ` +
        `${s.idempotencyKeys} | ${sizes(s)} |`,
    ),
    '',
    '## Dead tuples at the end',
    '',
    ...samples.at(-1)!.tables.map((t) => `- ${t.table}: ${t.liveRows} live, ${t.deadRows} dead`),
    '',
    '## Answers by operation',
    '',
    ...Object.entries(all)
      .sort()
      .map(([key, times]) => `- ${key}: ${times.length}`),
    '',
  ].join('\n');
  const file = path.join(args.out, `soak-${stamp}.md`);
  await fs.writeFile(file, md);
  await fs.writeFile(
    path.join(args.out, `soak-${stamp}.json`),
    JSON.stringify({ samples, results }, null, 1),
  );
  return file;
}

try {
  process.exitCode = await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}
