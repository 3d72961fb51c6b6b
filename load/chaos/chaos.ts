/**
 * `npm run chaos`: a sale on a stack of its own while faults hit it, then every
 * recorded answer and the database are checked. See README, "Fault injection".
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { connect } from '../../src/db/client.js';
import { allSchedules, getJson } from '../lib/api.js';
import { troubleLines } from './apps.js';
import { createRandom, parseArgs } from './args.js';
import { sampleAdmissions } from './boundary-sampler.js';
import {
  checkAnswers,
  checkBalances,
  checkCrashes,
  checkDatabase,
  checkReplays,
  checkWrites,
  type Verdict,
} from './checks.js';
import { Cleanup } from './cleanup.js';
import { type Fan, runFan, type SaleWorld } from './fan.js';
import { planFaults, runFaults } from './faults.js';
import { History } from './history.js';
import { samplePgWaits } from './pg-waits.js';
import { checkFifo, checkLostPlaces, checkUniqueSeqs, checkViewLag } from './queue-checks.js';
import { renderReport, summaryLine } from './report.js';
import { startStack } from './stack.js';
import { faultWindows } from './windows.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(cleanup: Cleanup): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const command = `npm run chaos -- ${process.argv.slice(2).join(' ')}`.trim();
  const startedAt = new Date();
  const random = createRandom(options.seed);
  process.stdout.write(
    `chaos: seed ${options.seed}; starting PostgreSQL, Redis and ${options.apps} app processes\n`,
  );
  let clock = () => 0;
  const stack = await startStack(options, cleanup, () => clock());
  const setupMs = Date.now() - startedAt.getTime();

  const base = stack.apps[0]!.url;
  const doc = await getJson<{ paths: Record<string, Record<string, unknown>> }>(`${base}/openapi.json`);
  const routes = {
    release: Boolean(doc.paths['/reservations/{reservationId}']?.delete),
    refund: Boolean(doc.paths['/reservations/{reservationId}/refund']?.post),
  };
  const notes = [
    routes.release
      ? 'release (DELETE /reservations/{id}) driven'
      : 'release skipped: DELETE /reservations/{id} is not in /openapi.json (issue 11 not merged)',
    routes.refund
      ? 'refund driven'
      : 'refund skipped: POST /reservations/{id}/refund is not in /openapi.json (issue 11 not merged)',
  ];
  const schedules = await allSchedules(base);

  const history = new History();
  clock = () => history.now();
  const events = planFaults(
    options,
    random,
    stack.apps.map((a) => a.name),
  );
  process.stdout.write(
    `chaos: fault schedule: ${events.map((e) => `${(e.plannedAt / 1000).toFixed(1)} s ${e.kind}${e.target ? ` ${e.target}` : ''}`).join(', ') || 'none'}\n`,
  );
  const world: SaleWorld = {
    history,
    apps: stack.apps,
    random,
    schedules,
    routes,
    hardStop: options.durationMs + (options.quick ? 8_000 : 30_000),
    timeoutMs: 5_000,
    retryBudgetMs: 30_000,
  };
  const fans: Fan[] = Array.from({ length: options.fans }, (_, i) => ({
    id: i,
    userId: i + 1,
    app: i,
    checks: [],
    lost: [],
    paid: false,
    outcome: 'unfinished',
  }));
  const sampler = samplePgWaits(stack.pg.url, () => history.now());
  // The store's admissions over time, read from outside the app processes (the FIFO check's clock).
  const admissions = sampleAdmissions(
    stack.redis.url,
    stack.supervisor.env.REDIS_KEY_PREFIX ?? '',
    'main',
    () => history.now(),
  );
  const arrivalGap = (options.durationMs * 0.7) / Math.max(1, options.fans);
  await Promise.all([
    runFaults(events, { ...stack, now: () => history.now() }),
    ...fans.map(async (fan, i) => {
      await sleep(i * arrivalGap);
      fan.outcome = await runFan(world, fan);
    }),
  ]);
  const pgWaits = await sampler.stop();
  const storeAdmissions = await admissions.stop();
  process.stdout.write(`chaos: sale over at ${(history.now() / 1000).toFixed(1)} s; checking\n`);

  const windows = faultWindows(events, stack.supervisor.crashes);
  const db = connect(stack.pg.url, { max: 2 });
  let verdicts: Verdict[];
  try {
    const userOf = (fan: number) => fans[fan]!.userId;
    verdicts = [
      checkCrashes(stack.supervisor.crashes, windows),
      ...checkAnswers(history.exchanges, windows),
      checkReplays(history.exchanges),
      await checkWrites(db.sql, history.exchanges, userOf),
      await checkBalances(db.sql, history.exchanges, fans),
      ...(await checkDatabase(db.sql)),
      ...checkLostPlaces(fans, windows.store),
      checkFifo(fans, storeAdmissions),
      ...checkViewLag(
        fans,
        storeAdmissions,
        windows.appDown,
        events
          .filter((e) => e.kind === 'redis' && e.start !== undefined)
          .map((e) => ({ from: e.start!, to: e.end ?? e.start!, label: 'redis' })),
      ),
      checkUniqueSeqs(history.exchanges),
    ];
  } finally {
    await db.close();
  }
  const appTrouble = new Map<string, number>();
  for (const app of stack.apps)
    for (const [line, n] of troubleLines(app)) appTrouble.set(line, (appTrouble.get(line) ?? 0) + n);
  const input = {
    options,
    command,
    startedAt,
    setupMs,
    totalMs: Date.now() - startedAt.getTime(),
    events,
    history: history.exchanges,
    fans,
    verdicts,
    notes,
    appTrouble,
    pgWaits,
  };
  const report = renderReport(input);
  const file = path.join(
    'load',
    'reports',
    `chaos-${startedAt.toISOString().replaceAll(':', '-').replace('.', '-')}.md`,
  );
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, report);
  if (options.historyFile)
    await fs.writeFile(
      options.historyFile,
      JSON.stringify({ events, fans, pgWaits, storeAdmissions, exchanges: history.exchanges }),
    );
  process.stdout.write(`\n${report}\nreport: ${file}\n${summaryLine(input)}\n`);
  return verdicts.some((v) => v.violations.length > 0) ? 1 : 0;
}

const cleanup = new Cleanup();
// However it ends, nothing it started outlives it; a stuck run is cut off.
const watchdog = setTimeout(() => {
  process.stderr.write('chaos: the run took too long; stopping\n');
  void cleanup.runAll().finally(() => process.exit(3));
}, 20 * 60_000);
main(cleanup)
  .then(async (code) => {
    await cleanup.runAll();
    clearTimeout(watchdog);
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`chaos: failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await cleanup.runAll();
    process.exit(2);
  });
