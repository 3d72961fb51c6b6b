import { DEFAULT_CONTROLLER } from '../../src/modules/queue/admission-controller.js';
import { type AdmissionMode, createAdmissionPolicy } from '../../src/modules/queue/admission-policy.js';
import { HealthWindow } from '../../src/modules/queue/health-window.js';
import type { QueueSettings } from '../../src/modules/queue/queue-store.js';
import { Agenda, seeded, T0, virtualQueue } from './harness.js';

export interface HealthOptions {
  arrivals: number;
  arrivalSeconds: number;
  /** The set rate (fixed mode's rate, adaptive mode's upper bound), users per 1-s tick. */
  admitPerTick: number;
  /** Back-end capacity in requests per second, before and after the drop. */
  capacity: number;
  /** When the capacity drops to `capacity × dropTo` (seconds after the first arrival). */
  dropAtSeconds: number;
  dropTo: number;
  /** Each admitted user sends this many requests per second for a 60–180 s session. */
  requestsPerUserSecond: number;
  targetP99Ms: number;
  seed: number;
}

export interface HealthResult {
  mode: AdmissionMode;
  lineSeconds: number;
  /** Per-second p99 (ms) of holds/payments, from the drop to the end of the line. */
  p99AfterDrop: { median: number; p90: number; max: number };
  secondsOverTarget: number;
  /** Of them, in the first minute after the drop: the load of users admitted before it. */
  secondsOverTargetFirstMinute: number;
  secondsAfterDrop: number;
  /** Requests answered within the target's share after the drop (by volume). */
  requestsOverTargetShare: number;
  rateAfterDrop: { min: number; mean: number };
}

const SERVICE_MS = 20;
const SERVERS = 8;
const DEADLINE_MS = 10_000;

/**
 * The back end as a queue with `SERVERS` servers, M/M/c-ish: p99 = 4.6 × service × (1 +
 * ρ^c ÷ (1 − ρ)) (flat until ρ ≈ 0.8, then steep), plus the fluid backlog ÷ capacity once
 * the offered load passes the capacity (requests queue up and wait).
 */
export function backendP99(load: number, capacity: number, backlog: number): number {
  const rho = Math.min(load / capacity, 0.95);
  return 4.6 * SERVICE_MS * (1 + rho ** SERVERS / (1 - rho)) + (backlog / capacity) * 1000;
}

/**
 * A sale whose back end loses half its capacity mid-sale. The real queue (memory store,
 * ticker, admission policy, controller, health window) on a virtual clock; the back end is
 * the model above, fed by admitted users' sessions; its latencies go into the health window
 * as the app's response hook would put them.
 */
export async function runHealth(mode: AdmissionMode, o: HealthOptions): Promise<HealthResult> {
  const settings: QueueSettings = {
    admitPerTick: o.admitPerTick,
    maxActive: 10_000_000,
    tickMs: 1000,
    idleTimeoutMs: 60_000,
    activeTtlMs: 600_000,
    rateWindowMs: 60_000,
  };
  const random = seeded(o.seed);
  const health = new HealthWindow(10_000);
  const rates: number[] = [];
  const admission = createAdmissionPolicy({
    mode,
    defaultPerTick: o.admitPerTick,
    minPerTick: 1,
    controller: { ...DEFAULT_CONTROLLER, targetP99Ms: o.targetP99Ms, cooldownMs: 10_000 },
    health: (now) => health.sample(now),
    onDecision: (_room, decision) => rates.push(decision.targetPerTick),
  });
  const { clock, queue, ticker } = virtualQueue(settings, { admission });
  const agenda = new Agenda(1000);
  const arrivalsAt = Array.from({ length: o.arrivals }, () => T0 + random() * o.arrivalSeconds * 1000).sort(
    (a, b) => a - b,
  );
  const tokens: string[] = [];
  const admitted: boolean[] = [];
  let nextArrival = 0;
  let admittedCount = 0;
  let lastAdmission = T0;
  let scanned = 0;
  /** Sessions ending per second: active users = started − ended. */
  const endings = new Map<number, number>();
  let activeUsers = 0;
  let backlog = 0;
  const afterDrop: { second: number; p99: number; requests: number }[] = [];
  const ratesAfterDrop: number[] = [];

  const poll = (index: number, at: number) =>
    agenda.at(at, async () => {
      if (admitted[index]) return;
      const status = await queue.check(tokens[index]).catch(() => null);
      if (status && !status.active) poll(index, clock.now() + status.refreshAfterSeconds * 1000);
    });

  for (clock.at = T0; ; clock.at += 1000) {
    const second = (clock.at - T0) / 1000;
    while (nextArrival < arrivalsAt.length && arrivalsAt[nextArrival]! <= clock.at) {
      const issued = await queue.issue(nextArrival + 1);
      tokens.push(issued.token);
      poll(nextArrival, clock.at + issued.refreshAfterSeconds * 1000);
      nextArrival += 1;
    }
    await agenda.run(clock.at);

    // The back end this second: load from the active sessions, latency from the model.
    activeUsers -= endings.get(second) ?? 0;
    endings.delete(second);
    const capacity = second >= o.dropAtSeconds ? o.capacity * o.dropTo : o.capacity;
    const load = activeUsers * o.requestsPerUserSecond;
    backlog = Math.max(0, backlog + load - capacity);
    const p99 = backendP99(load, capacity, backlog);
    // 100 holds/payments and their 5xx share (past the request deadline) into the window.
    const mean = p99 / Math.log(100);
    for (let i = 0; i < 100; i++) {
      const latency = -mean * Math.log(1 - random());
      health.record(clock.at, latency, latency > DEADLINE_MS ? 503 : 201, true);
    }
    if (second >= o.dropAtSeconds && admittedCount < o.arrivals) {
      afterDrop.push({ second, p99, requests: load });
    }

    await ticker.tick(clock.at);
    if (second >= o.dropAtSeconds && admittedCount < o.arrivals) ratesAfterDrop.push(rates.at(-1) ?? 0);
    const view = ticker.view('main');
    while (scanned < tokens.length && queue.authenticate(tokens[scanned]).seq <= view.boundary) {
      admitted[scanned] = true;
      admittedCount += 1;
      lastAdmission = clock.at;
      const ends = second + 60 + Math.floor(random() * 120);
      endings.set(ends, (endings.get(ends) ?? 0) + 1);
      activeUsers += 1;
      scanned += 1;
    }
    if (admittedCount === o.arrivals) break;
  }

  const p99s = afterDrop.map((s) => s.p99).sort((a, b) => a - b);
  const pick = (p: number) => p99s[Math.min(p99s.length - 1, Math.floor((p / 100) * p99s.length))] ?? 0;
  const over = afterDrop.filter((s) => s.p99 > o.targetP99Ms);
  const volume = afterDrop.reduce((sum, s) => sum + s.requests, 0);
  return {
    mode,
    lineSeconds: (lastAdmission - T0) / 1000,
    p99AfterDrop: { median: pick(50), p90: pick(90), max: p99s.at(-1) ?? 0 },
    secondsOverTarget: over.length,
    secondsOverTargetFirstMinute: over.filter((s) => s.second < o.dropAtSeconds + 60).length,
    secondsAfterDrop: afterDrop.length,
    requestsOverTargetShare: volume ? over.reduce((sum, s) => sum + s.requests, 0) / volume : 0,
    rateAfterDrop: {
      min: Math.min(...ratesAfterDrop),
      mean: ratesAfterDrop.reduce((a, b) => a + b, 0) / Math.max(1, ratesAfterDrop.length),
    },
  };
}
