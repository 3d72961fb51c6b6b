/**
 * npm run simulate [-- --arrivals 100000 --seconds 300 --abandon 0.1 --rate 100 --seed 1]
 * npm run simulate -- --scenario walkaway [--arrivals 5000]   (bench/sim/walkaway.ts)
 * npm run simulate -- --scenario health [--arrivals 15000]    (bench/sim/health.ts)
 *
 * A surge through the real queue service (memory store, ticker, per-tick state and
 * ETA formula) on a virtual clock: arrivals spread at random over the window, each
 * user polls /waiting/check when `refreshAfterSeconds` says, a share of them give up
 * at a random moment (and are dropped after the idle timeout), admission runs at a
 * set rate. Prints, over the users who stayed: the predicted wait (the ETA the issue
 * answer gave) against the actual wait (arrival → admission), median and p90 absolute
 * error as a fraction of the actual wait, FIFO violations and the largest position jump.
 */
import { parseArgs } from 'node:util';
import { fmt, percentile } from '../load/lib/cannon.js';
import type { QueueSettings } from '../src/modules/queue/queue-store.js';
import { seeded, T0, virtualQueue } from './sim/harness.js';
import { printHealth, printWalkaway } from './sim/scenarios.js';

const { values: args } = parseArgs({
  options: {
    arrivals: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '300' },
    abandon: { type: 'string', default: '0.1' },
    rate: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    scenario: { type: 'string', default: 'eta' },
  },
});
if (args.scenario !== 'eta') {
  // The default --arrivals is the ETA surge's; the other scenarios have smaller ones of their own.
  const arrivals = process.argv.includes('--arrivals') ? Number(args.arrivals) : undefined;
  if (args.scenario === 'walkaway') await printWalkaway(Number(args.seed), arrivals);
  else if (args.scenario === 'health') await printHealth(Number(args.seed), arrivals);
  else throw new Error(`unknown --scenario ${args.scenario}: eta, walkaway or health`);
  process.exit(0);
}
const arrivals = Number(args.arrivals);
const windowMs = Number(args.seconds) * 1000;
const abandonShare = Number(args.abandon);
const settings: QueueSettings = {
  admitPerTick: Number(args.rate),
  maxActive: 10_000_000,
  tickMs: 1000,
  idleTimeoutMs: 60_000,
  activeTtlMs: 600_000,
  rateWindowMs: 60_000,
};
const STEP_MS = 100;

const random = seeded(Number(args.seed));
const { clock, queue, ticker } = virtualQueue(settings);
let now = T0;

interface User {
  id: number;
  arrivedAt: number;
  token: string;
  predicted: number | null;
  /** When the user stops polling (abandoners), else Infinity. */
  quitsAt: number;
  admittedAt?: number;
  lastPosition: number;
  maxJumpUp: number;
}

const users: User[] = [];
const arrivalTimes = Array.from({ length: arrivals }, () => T0 + random() * windowMs).sort((a, b) => a - b);
const polls = new Map<number, User[]>();
const schedule = (user: User, at: number) => {
  const slot = Math.ceil(at / STEP_MS);
  const list = polls.get(slot);
  if (list) list.push(user);
  else polls.set(slot, [user]);
};

function observe(user: User, position: number, active: boolean, refreshSeconds: number): void {
  if (active) {
    user.admittedAt ??= now;
    return;
  }
  user.maxJumpUp = Math.max(user.maxJumpUp, position - user.lastPosition);
  user.lastPosition = position;
  if (now + refreshSeconds * 1000 < user.quitsAt) schedule(user, now + refreshSeconds * 1000);
}

const started = Date.now();
let next = 0;
let checks = 0;
let lastBoundaryUser = 0;
const endAt = T0 + windowMs + 3 * 3600_000;
for (; now <= endAt; now += STEP_MS) {
  clock.at = now;
  while (next < arrivalTimes.length && arrivalTimes[next]! <= now) {
    const id = next + 1;
    const issued = await queue.issue(id);
    const user: User = {
      id,
      arrivedAt: now,
      token: issued.token,
      predicted: issued.estimatedWaitSeconds,
      quitsAt: Number.POSITIVE_INFINITY,
      lastPosition: issued.position ?? 0,
      maxJumpUp: 0,
    };
    if (random() < abandonShare)
      user.quitsAt = now + random() * ((issued.estimatedWaitSeconds ?? 300) * 1000);
    users.push(user);
    observe(user, issued.position ?? 0, issued.active, issued.refreshAfterSeconds);
    next += 1;
  }
  for (const user of polls.get(Math.ceil(now / STEP_MS)) ?? []) {
    checks += 1;
    try {
      const status = await queue.check(user.token);
      observe(user, status.position ?? 0, status.active, status.refreshAfterSeconds);
    } catch {
      // Dropped (an abandoner who came back too late): nothing more to observe.
    }
  }
  polls.delete(Math.ceil(now / STEP_MS));
  if ((now - T0) % settings.tickMs === 0) {
    await ticker.tick(now);
    // Admission time exactly, from the boundary: users are in arrival (= seq) order.
    const boundary = ticker.view('main').boundary;
    const view = ticker.view('main');
    while (lastBoundaryUser < users.length) {
      const user = users[lastBoundaryUser]!;
      const claims = queue.authenticate(user.token);
      if (claims.seq > boundary) break;
      if (view.status(claims, now, true).state === 'ACTIVE') user.admittedAt ??= now;
      lastBoundaryUser += 1;
    }
  }
  if (next >= arrivalTimes.length && lastBoundaryUser >= users.length && polls.size === 0) break;
}

const stayed = users.filter((u) => u.quitsAt === Number.POSITIVE_INFINITY && u.admittedAt !== undefined);
const predicted = stayed.filter((u) => u.predicted !== null && u.admittedAt! > u.arrivedAt);
const errors = predicted
  .map((u) => {
    const actual = (u.admittedAt! - u.arrivedAt) / 1000;
    return Math.abs(u.predicted! - actual) / actual;
  })
  .sort((a, b) => a - b);
let fifoViolations = 0;
let latestAdmission = 0;
for (const user of stayed) {
  if (user.admittedAt! < latestAdmission) fifoViolations += 1;
  latestAdmission = Math.max(latestAdmission, user.admittedAt!);
}
const waits = stayed.map((u) => (u.admittedAt! - u.arrivedAt) / 1000).sort((a, b) => a - b);
const jump = Math.max(0, ...users.map((u) => u.maxJumpUp));
console.log(
  `simulation: ${fmt(arrivals)} arrivals in ${fmt(windowMs / 1000)} s, ${fmt(abandonShare * 100)}% abandoning, ` +
    `admission ${settings.admitPerTick} per ${settings.tickMs} ms tick (${fmt((Date.now() - started) / 1000, 1)} s real time, ${fmt(checks)} checks)`,
);
console.log('\n| measure | value |\n|---|---:|');
console.log(`| users who stayed and were admitted | ${fmt(stayed.length)} |`);
console.log(`| of them with an ETA at issue (rate known) | ${fmt(predicted.length)} |`);
console.log(
  `| actual wait, median / p90 / max | ${fmt(percentile(waits, 50))} / ${fmt(percentile(waits, 90))} / ${fmt(waits.at(-1) ?? 0)} s |`,
);
console.log(`| ETA error ÷ actual wait, median | ${fmt(percentile(errors, 50) * 100, 1)}% (target < 10%) |`);
console.log(`| ETA error ÷ actual wait, p90 | ${fmt(percentile(errors, 90) * 100, 1)}% (target < 25%) |`);
console.log(
  `| FIFO violations (a later arrival admitted before an earlier one who stayed) | ${fifoViolations} |`,
);
console.log(`| largest position jump upwards between two polls of one user | ${jump} |`);
