import { fmt } from '../../load/lib/cannon.js';
import { runHealth } from './health.js';
import { runWalkaway } from './walkaway.js';

const row = (label: string, ...cells: string[]) => console.log(`| ${label} | ${cells.join(' | ')} |`);

/** `--scenario walkaway`: the line with and without freeing the slots of admitted users who left. */
export async function printWalkaway(seed: number, arrivals = 5000): Promise<void> {
  const base = {
    arrivals,
    arrivalSeconds: 60,
    maxActive: Math.max(10, Math.round(arrivals / 20)),
    admitPerTick: Math.max(1, Math.round(arrivals / 200)),
    activeTtlSeconds: 600,
    walkaway: 0.3,
    seed,
  };
  const started = Date.now();
  const off = await runWalkaway({ ...base, activeIdleSeconds: 0 });
  const on = await runWalkaway({ ...base, activeIdleSeconds: 120 });
  console.log(
    `walk-away simulation: ${fmt(base.arrivals)} arrivals in ${base.arrivalSeconds} s, cap ${fmt(base.maxActive)} active, ` +
      `${base.admitPerTick} per tick; 30% of admitted users leave at once, the others shop 60–240 s ` +
      `(acting every 20 s, a hold 10 s in) and pay; active TTL ${base.activeTtlSeconds} s ` +
      `(${fmt((Date.now() - started) / 1000, 1)} s real time, seed ${seed})`,
  );
  console.log(
    '\n| measure | QUEUE_ACTIVE_IDLE_SECONDS=0 (off) | QUEUE_ACTIVE_IDLE_SECONDS=120 |\n|---|---:|---:|',
  );
  row(
    'line duration (first arrival → last admission)',
    `${fmt(off.lineSeconds)} s`,
    `${fmt(on.lineSeconds)} s`,
  );
  row(
    'wait, median / p90',
    `${fmt(off.waitP50)} / ${fmt(off.waitP90)} s`,
    `${fmt(on.waitP50)} / ${fmt(on.waitP90)} s`,
  );
  row(
    'slots freed for idleness / lapsed at the TTL',
    `${fmt(off.released)} / ${fmt(off.expired)}`,
    `${fmt(on.released)} / ${fmt(on.expired)}`,
  );
  console.log(`\nline ${fmt((1 - on.lineSeconds / off.lineSeconds) * 100)}% shorter with idle slots freed`);
}

/** `--scenario health`: fixed vs adaptive admission when the back end loses half its capacity. */
export async function printHealth(seed: number, arrivals = 15000): Promise<void> {
  const options = {
    arrivals,
    arrivalSeconds: 60,
    admitPerTick: 20,
    capacity: 1000,
    dropAtSeconds: 300,
    dropTo: 0.5,
    requestsPerUserSecond: 0.25,
    targetP99Ms: 800,
    seed,
  };
  const started = Date.now();
  const fixed = await runHealth('fixed', options);
  const adaptive = await runHealth('adaptive', options);
  console.log(
    `health simulation: ${fmt(arrivals)} arrivals in 60 s, set rate ${options.admitPerTick} per 1-s tick; admitted users ` +
      `send ${options.requestsPerUserSecond} req/s for 60–180 s; back end ${fmt(options.capacity)} req/s (8 servers, ` +
      `M/M/c-ish p99 + backlog), halved at ${options.dropAtSeconds} s; p99 target ${options.targetP99Ms} ms ` +
      `(${fmt((Date.now() - started) / 1000, 1)} s real time, seed ${seed})`,
  );
  console.log('\n| after the capacity drop | fixed | adaptive |\n|---|---:|---:|');
  const p = (r: typeof fixed) =>
    `${fmt(r.p99AfterDrop.median)} / ${fmt(r.p99AfterDrop.p90)} / ${fmt(r.p99AfterDrop.max)} ms`;
  row('hold/pay p99 per second: median / p90 / max', p(fixed), p(adaptive));
  const over = (r: typeof fixed) =>
    `${fmt(r.secondsOverTarget)} of ${fmt(r.secondsAfterDrop)} (${fmt(r.secondsOverTargetFirstMinute)} in the first minute)`;
  row(`seconds with p99 over ${options.targetP99Ms} ms`, over(fixed), over(adaptive));
  row(
    'requests served in those seconds',
    `${fmt(fixed.requestsOverTargetShare * 100)}%`,
    `${fmt(adaptive.requestsOverTargetShare * 100)}%`,
  );
  row(
    'admission rate per tick: mean (min)',
    `${fmt(fixed.rateAfterDrop.mean, 1)} (${fixed.rateAfterDrop.min})`,
    `${fmt(adaptive.rateAfterDrop.mean, 1)} (${adaptive.rateAfterDrop.min})`,
  );
  row(
    'line duration (first arrival → last admission)',
    `${fmt(fixed.lineSeconds)} s`,
    `${fmt(adaptive.lineSeconds)} s`,
  );
  console.log(`\nadaptive line ${fmt((adaptive.lineSeconds / fixed.lineSeconds - 1) * 100)}% longer`);
}
