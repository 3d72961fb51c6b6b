import { type StoreAdmissions, storeAdmittedAt } from './boundary-sampler.js';
import type { Verdict } from './checks.js';
import { type Fan, seqOf } from './fan.js';
import { type Exchange, isOk } from './history.js';
import type { Window } from './windows.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const during = (t: number, windows: Window[]) =>
  windows.filter((w) => t >= w.from && t <= w.to).at(-1)?.label;

/** Admitted users keep their admission until it expires or they pay; waiters who poll keep their place. */
export function checkLostPlaces(fans: Fan[], store: Window[]): Verdict[] {
  const lost = (admitted: boolean) =>
    fans.flatMap((fan) =>
      fan.lost
        .filter((l) => l.admitted === admitted)
        .map((l) => ({
          text: `user ${fan.userId}: ${l.op} → 401 ${l.code ?? ''} at ${s(l.at)}${during(l.at, store) ? ` (after ${during(l.at, store)})` : ''}`,
          owner: 'issue 10' as const,
        })),
    );
  return [
    { name: 'queue: no admitted user lost', violations: lost(true) },
    { name: 'queue: no waiting place lost while its user kept polling', violations: lost(false) },
  ];
}

/**
 * FIFO by admission, among fans who kept their place. The store admits by moving one
 * boundary: every live waiter with a seq ≤ boundary is admitted, and each process answers
 * "active" exactly when its view's boundary has passed the token's seq. So the order of
 * admission is the order of seqs, and FIFO holds iff (a) seqs follow arrival order (a fan
 * whose issue was answered before another's was sent has the smaller seq) and (b) the
 * store's boundary, as sampled from outside, passed the earlier fan no later than the later
 * one. When a fan *observes* "active" depends on which process it polls and when that
 * process last read the state; that lag is checked on its own (`checkViewLag`).
 */
export function checkFifo(fans: Fan[], store: StoreAdmissions): Verdict {
  const kept = fans
    .filter((f) => f.lost.length === 0 && f.arrival && f.seq !== undefined)
    .sort((a, b) => a.arrival!.end - b.arrival!.end);
  const admittedAt = new Map(kept.map((f) => [f, storeAdmittedAt(store, f.seq!).at]));
  const violations: Verdict['violations'] = [];
  let pairs = 0;
  for (const a of kept) {
    const aAt = admittedAt.get(a);
    for (const b of kept) {
      if (b.arrival!.start <= a.arrival!.end) continue; // not strictly later
      pairs += 1;
      const bAt = admittedAt.get(b);
      const inverted = b.seq! <= a.seq!;
      const overtaken = bAt !== undefined && (aAt === undefined || aAt > bAt);
      if (!inverted && !overtaken) continue;
      violations.push({
        text:
          `user ${a.userId} (arrived ${s(a.arrival!.end)}, seq …${a.seq! % 1e6}, admitted ${aAt === undefined ? 'never' : `at ${s(aAt)}`}) ` +
          `vs later user ${b.userId} (issue sent ${s(b.arrival!.start)}, seq …${b.seq! % 1e6}, admitted ${bAt === undefined ? 'never' : `at ${s(bAt)}`})` +
          (inverted
            ? ': the later arrival got the smaller seq'
            : ': the store admitted the later arrival first'),
        owner: 'issue 10',
      });
    }
  }
  return {
    name: `queue: FIFO by admission — no later arrival admitted by the store before an earlier one who kept polling (${pairs} ordered pairs; ${store.records.length} admission ticks read from the store)`,
    violations,
  };
}

/** A process may answer from a view this old, beyond the check's start: a tick, the tick's own run, the sampler's step. */
export const VIEW_LAG_LIMIT_MS = 2_000;

/**
 * Each process learns admissions from its own tick. A check answered "waiting" for a
 * place the store had already admitted longer than VIEW_LAG_LIMIT_MS before the check was
 * sent means that process's view was stale (its tick stalled). Checks on a process while it
 * was frozen or killed are left out: a stopped process answers, on waking, from the view it
 * had when it stopped; nor checks while Redis is down (+1 s), when no process can read the
 * state. Also: nobody is told "active" before the store admitted the place.
 */
export function checkViewLag(
  fans: Fan[],
  store: StoreAdmissions,
  appDown: Map<string, Window[]>,
  redisRestarts: Window[],
): Verdict[] {
  const stale: Verdict['violations'] = [];
  const early: Verdict['violations'] = [];
  const worst = new Map<string, number>();
  for (const fan of fans) {
    if (fan.seq === undefined) continue;
    const { recorded, seen } = storeAdmittedAt(store, fan.seq);
    // Judged against the latest the admission can have happened: when the harness saw it.
    const at = seen ?? recorded;
    const seqChecks = fan.checks.filter((c) => c.seq === fan.seq);
    if (at !== undefined) {
      for (const c of seqChecks) {
        if (c.active || c.start <= at) continue;
        if (appDown.get(c.app)?.some((w) => c.start <= w.to && c.end >= w.from)) continue;
        // Nor while Redis is down (+1 s): no process can read the state then.
        if (redisRestarts.some((w) => c.start <= w.to + 1_000 && c.end >= w.from)) continue;
        const lag = c.start - at;
        worst.set(c.app, Math.max(worst.get(c.app) ?? 0, lag));
        if (lag > VIEW_LAG_LIMIT_MS && stale.length < 200)
          stale.push({
            text: `user ${fan.userId}: check on ${c.app} sent at ${s(c.start)} answered "waiting", but the store admitted the place at ${s(at)} (${s(lag)} before)`,
            owner: 'issue 10',
          });
      }
    }
    const firstActive = seqChecks.find((c) => c.active);
    // Against the earliest the admission can have happened: the admitting tick's own time
    // (without a record, the first sight of the boundary, with a second's slack for the
    // sampler's pace). Not judged within 3 s of a Redis restart: an admission in the last
    // moments before Redis was killed is lost with its record before the harness reads it
    // (the next epoch starts at the processes' boundary and records it later).
    const aroundRestart =
      firstActive && redisRestarts.some((w) => firstActive.end >= w.from && firstActive.end <= w.to + 3_000);
    const tooEarly =
      firstActive &&
      !aroundRestart &&
      (recorded !== undefined
        ? firstActive.end < recorded
        : seen === undefined || seen > firstActive.end + 1_000);
    if (firstActive && tooEarly)
      early.push({
        text: `user ${fan.userId} told "active" on ${firstActive.app} at ${s(firstActive.end)}, store admitted its seq ${recorded === undefined ? 'never (recorded)' : `at ${s(recorded)}`}, seen ${seen === undefined ? 'never' : `at ${s(seen)}`}`,
        owner: 'issue 10',
      });
  }
  const lags = [...worst].map(([app, ms]) => `${app} ${s(ms)}`).join(', ');
  return [
    {
      name: `queue: each process learns an admission within ${s(VIEW_LAG_LIMIT_MS)} (outside its own freeze/restart and Redis outages; worst seen: ${lags || 'none'})`,
      violations: stale,
    },
    { name: 'queue: nobody is told "active" before the store admitted the place', violations: early },
  ];
}

/** Every place has a seq of its own: the seq names the token (a payment revokes it by seq). */
export function checkUniqueSeqs(history: Exchange[]): Verdict {
  const owner = new Map<number, { fan: number; at: number }>();
  const violations: Verdict['violations'] = [];
  for (const e of history) {
    const token = (e.response as { token?: unknown } | undefined)?.token;
    if ((e.op !== 'issue' && e.op !== 'check') || !isOk(e) || typeof token !== 'string') continue;
    const seq = seqOf(token);
    if (seq === undefined) continue;
    const first = owner.get(seq);
    if (!first) owner.set(seq, { fan: e.fan, at: e.end });
    else if (first.fan !== e.fan && violations.length < 50)
      violations.push({
        text: `seq …${seq % 1e6} given to fan ${first.fan} at ${s(first.at)} and again to fan ${e.fan} at ${s(e.end)} (${e.op} on ${e.app})`,
        owner: 'issue 10',
      });
  }
  return { name: `queue: no seq given to two users (${owner.size} places)`, violations };
}
