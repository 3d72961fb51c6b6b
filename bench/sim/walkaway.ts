import type { QueueSettings } from '../../src/modules/queue/queue-store.js';
import { Agenda, seeded, T0, virtualQueue } from './harness.js';

export interface WalkawayOptions {
  arrivals: number;
  /** Arrivals spread over this many seconds. */
  arrivalSeconds: number;
  maxActive: number;
  admitPerTick: number;
  activeTtlSeconds: number;
  /** QUEUE_ACTIVE_IDLE_SECONDS; 0: admitted users who left keep their slot until the TTL. */
  activeIdleSeconds: number;
  /** Share of admitted users who walk away at once (never act again). */
  walkaway: number;
  seed: number;
}

export interface WalkawayResult {
  /** First arrival → last admission. */
  lineSeconds: number;
  waitP50: number;
  waitP90: number;
  released: number;
  expired: number;
}

const STEP_MS = 250;
/** A shopper acts (seat map, hold, charge) every 20 s, holds a seat 10 s in, pays 60–240 s in. */
const ACT_EVERY_MS = 20_000;

/**
 * Admitted users who walk away: the line waits for their slots. The real queue service
 * (memory store, ticker, gate calls) on a virtual clock; waiters poll as told, shoppers
 * act through the gate, hold, and pay (which ends the token, as a payment does).
 */
export async function runWalkaway(o: WalkawayOptions): Promise<WalkawayResult> {
  const settings: QueueSettings = {
    admitPerTick: o.admitPerTick,
    maxActive: o.maxActive,
    tickMs: 1000,
    idleTimeoutMs: 60_000,
    activeTtlMs: o.activeTtlSeconds * 1000,
    rateWindowMs: 60_000,
    activeIdleMs: o.activeIdleSeconds * 1000,
  };
  const random = seeded(o.seed);
  let released = 0;
  let expired = 0;
  const { clock, queue, ticker } = virtualQueue(settings, {
    onAdmitted: (_room, result) => {
      released += result.released;
      expired += result.expired;
    },
  });
  const agenda = new Agenda(STEP_MS);
  const arrivalsAt = Array.from({ length: o.arrivals }, () => T0 + random() * o.arrivalSeconds * 1000).sort(
    (a, b) => a - b,
  );
  const tokens: string[] = [];
  const admittedAt: number[] = [];
  let admittedCount = 0;
  let nextArrival = 0;
  let scanned = 0;

  const shop = (index: number) => {
    const claims = queue.authenticate(tokens[index]);
    const start = clock.now();
    const payAt = start + 60_000 + random() * 180_000;
    const act = (at: number) =>
      agenda.at(at, async () => {
        try {
          queue.requireActive(tokens[index]);
        } catch {
          return; // freed or expired: this shopper is out
        }
        if (at === start + 10_000) queue.holdUntil(claims, at + 300_000);
        if (at + ACT_EVERY_MS < payAt) act(at + ACT_EVERY_MS);
        else agenda.at(payAt, () => queue.expire(claims).then(() => undefined));
      });
    act(start + 10_000);
  };

  const poll = (index: number, at: number) =>
    agenda.at(at, async () => {
      if (admittedAt[index] !== undefined) return;
      try {
        const status = await queue.check(tokens[index]);
        if (!status.active) poll(index, clock.now() + status.refreshAfterSeconds * 1000);
      } catch {
        // not expected: nobody leaves the line in this scenario
      }
    });

  for (clock.at = T0; ; clock.at += STEP_MS) {
    while (nextArrival < arrivalsAt.length && arrivalsAt[nextArrival]! <= clock.at) {
      const issued = await queue.issue(nextArrival + 1);
      tokens.push(issued.token);
      poll(nextArrival, clock.at + issued.refreshAfterSeconds * 1000);
      nextArrival += 1;
    }
    await agenda.run(clock.at);
    if ((clock.at - T0) % settings.tickMs === 0) {
      await ticker.tick(clock.at);
      const view = ticker.view('main');
      // Admitted users in arrival (= seq) order: up to the boundary.
      while (scanned < tokens.length && queue.authenticate(tokens[scanned]).seq <= view.boundary) {
        admittedAt[scanned] = clock.at;
        admittedCount += 1;
        if (random() >= o.walkaway) shop(scanned);
        scanned += 1;
      }
    }
    if (admittedCount === o.arrivals) break;
  }
  const waits = admittedAt.map((at, i) => (at - arrivalsAt[i]!) / 1000).sort((a, b) => a - b);
  const pick = (p: number) => waits[Math.min(waits.length - 1, Math.floor((p / 100) * waits.length))]!;
  return {
    lineSeconds: (Math.max(...admittedAt) - T0) / 1000,
    waitP50: pick(50),
    waitP90: pick(90),
    released,
    expired,
  };
}
