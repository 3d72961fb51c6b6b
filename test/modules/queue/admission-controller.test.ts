import { describe, expect, it } from 'vitest';
import {
  type ControllerState,
  DEFAULT_CONTROLLER,
  decide,
  type HealthSample,
  perTick,
} from '../../../src/modules/queue/admission-controller.js';
import { createAdmissionPolicy } from '../../../src/modules/queue/admission-policy.js';
import { HealthWindow } from '../../../src/modules/queue/health-window.js';

const settings = { ...DEFAULT_CONTROLLER, targetP99Ms: 500 };
const healthy: HealthSample = { p99Ms: 100, requests: 1000, errorRate: 0 };
const slow: HealthSample = { p99Ms: 900, requests: 1000, errorRate: 0 };
const bounds = { min: 2, max: 40 };

/** Runs the controller once per second over the samples. */
function run(samples: HealthSample[], start?: ControllerState, from = 0): ControllerState[] {
  const states: ControllerState[] = [];
  let state = start;
  samples.forEach((sample, i) => {
    state = decide(state, sample, bounds, settings, from + i * 1000);
    states.push(state);
  });
  return states;
}

describe('admission controller (AIMD)', () => {
  it('starts at the set rate and stays there while healthy', () => {
    const states = run(Array(30).fill(healthy));
    expect(states.map(perTick)).toEqual(Array(30).fill(40));
    expect(states.at(-1)!.reason).toBe('healthy, at the set rate');
  });

  it('halves on slow holds/payments, once per cooldown, never below the floor', () => {
    const states = run(Array(60).fill(slow));
    expect(states[0]).toMatchObject({
      kind: 'decrease',
      rate: 20,
      reason: 'hold/pay p99 900 ms > target 500 ms',
    });
    // One decrease per 10 s window: 40 → 20 (0 s) → 10 (10 s) → 5 (20 s) → 2.5 (30 s) → 2 (40 s, the floor).
    expect([0, 9, 10, 20, 30, 40, 59].map((s) => states[s]!.rate)).toEqual([20, 20, 10, 5, 2.5, 2, 2]);
    expect(states[5]!.kind).toBe('hold');
    expect(states[5]!.reason).toContain('waiting for the last decrease to act');
  });

  it('goes down on 5xx answers too, but not on a handful of requests', () => {
    const failing = { p99Ms: 50, requests: 400, errorRate: 0.1 };
    expect(decide(undefined, failing, bounds, settings, 0)).toMatchObject({ kind: 'decrease', rate: 20 });
    expect(decide(undefined, failing, bounds, settings, 0).reason).toBe('5xx 10.0% > 2.0%');
    const few = { p99Ms: null, requests: 5, errorRate: 0.4 };
    expect(decide(undefined, few, bounds, settings, 0)).toMatchObject({ kind: 'hold', rate: 40 });
  });

  it('climbs back additively (5% of the max per 5 s) and holds in the band just under the target', () => {
    const low = run(Array(11).fill(slow)).at(-1)!; // 10 after two decreases
    expect(low.rate).toBe(10);
    const climbing = run(Array(21).fill(healthy), low, 11_000);
    const increases = climbing.filter((s) => s.kind === 'increase');
    expect(increases.map((s) => s.rate)).toEqual([12, 14, 16, 18, 20]);
    const near = decide(low, { p99Ms: 450, requests: 1000, errorRate: 0 }, bounds, settings, 40_000);
    expect(near).toMatchObject({ kind: 'hold', rate: 10, reason: 'hold/pay p99 450 ms near target 500 ms' });
  });

  it('probes slowly near the rate that caused the trouble, and not at all while p99 is rising', () => {
    const episode = run([slow])[0]!; // trouble at 40: fast steps up to 30, then quarter steps
    expect(episode.ceiling).toBe(40);
    const at28 = { ...episode, rate: 28, kind: 'hold' as const, trendP99Ms: 100 };
    const up = decide(at28, healthy, bounds, settings, 20_000);
    expect(up.rate).toBe(30);
    expect(decide(up, healthy, bounds, settings, 25_000).rate).toBe(30.5);
    const rising = decide({ ...up, trendP99Ms: 150 }, { ...healthy, p99Ms: 200 }, bounds, settings, 25_000);
    expect(rising).toMatchObject({ kind: 'hold', rate: 30 });
    expect(rising.reason).toContain('rising');
    // A later episode (after a quiet minute) sets a new ceiling; one within it keeps the first.
    expect(decide(up, slow, bounds, settings, 22_000).ceiling).toBe(40);
    expect(decide(up, slow, bounds, settings, 100_000).ceiling).toBe(30);
  });

  it('follows the operator: a lower max caps the rate at once, 0 pauses', () => {
    const state = run([healthy])[0]!;
    expect(decide(state, healthy, { min: 2, max: 10 }, settings, 1000).rate).toBe(10);
    expect(decide(state, healthy, { min: 2, max: 0 }, settings, 1000)).toMatchObject({
      rate: 0,
      reason: 'paused (rate 0)',
    });
    expect(decide(undefined, slow, { min: 50, max: 10 }, settings, 0).rate).toBe(10); // floor never above max
  });
});

describe('health window', () => {
  it('reads the p99 of holds/payments within 5% and the 5xx share of all answers, over the window only', () => {
    const health = new HealthWindow(10_000);
    // 1,000 holds: 990 at 20 ms, 10 at 2,000 ms → p99 = 20 ms; 11 slow → p99 ≈ 2,000 ms.
    for (let i = 0; i < 990; i++) health.record(5_000, 20, 201, true);
    for (let i = 0; i < 10; i++) health.record(5_000, 2000, 201, true);
    for (let i = 0; i < 100; i++) health.record(5_500, 1, i < 10 ? 503 : 200, false);
    const sample = health.sample(6_000);
    expect(sample.p99Ms! / 20).toBeGreaterThan(0.95);
    expect(sample.p99Ms! / 20).toBeLessThan(1.05);
    expect(sample.requests).toBe(1100);
    expect(sample.errorRate).toBeCloseTo(10 / 1100);
    health.record(6_100, 2000, 201, true);
    expect(health.sample(6_200).p99Ms! / 2000).toBeGreaterThan(0.95);
    // Ten seconds later the old answers are gone; too few holds give no p99.
    health.record(16_500, 30, 201, true);
    expect(health.sample(17_000)).toEqual({ p99Ms: null, requests: 1, errorRate: 0 });
  });
});

describe('admission policy', () => {
  it('fixed mode passes the room limits through and reports them', () => {
    const policy = createAdmissionPolicy({
      mode: 'fixed',
      defaultPerTick: 30,
      minPerTick: 1,
      controller: settings,
      health: () => slow,
    });
    expect(policy.plan('r', {}, 0)).toEqual({});
    expect(policy.plan('s', { admitPerTick: 12, maxActive: 5 }, 0)).toEqual({
      admitPerTick: 12,
      maxActive: 5,
    });
    expect(policy.decision('s')).toMatchObject({
      mode: 'fixed',
      targetPerTick: 12,
      maxPerTick: 12,
      reason: 'fixed rate',
    });
  });

  it('adaptive mode decides per room from one health sample per tick, keeping state through a pause', () => {
    let samples = 0;
    const decisions: string[] = [];
    const policy = createAdmissionPolicy({
      mode: 'adaptive',
      defaultPerTick: 40,
      minPerTick: 2,
      controller: settings,
      health: () => {
        samples += 1;
        return slow;
      },
      onDecision: (room, d) => decisions.push(`${room}:${d.kind}:${d.targetPerTick}`),
    });
    expect(policy.plan('a', {}, 0)).toEqual({ admitPerTick: 20 });
    expect(policy.plan('b', { admitPerTick: 10, maxActive: 3 }, 0)).toEqual({
      admitPerTick: 5,
      maxActive: 3,
    });
    expect(samples).toBe(1);
    expect(policy.plan('a', { admitPerTick: 0 }, 1000)).toEqual({ admitPerTick: 0 });
    expect(policy.plan('a', {}, 10_000)).toEqual({ admitPerTick: 10 }); // resumed from 20, not from 40
    expect(decisions).toEqual(['a:decrease:20', 'b:decrease:5', 'a:hold:0', 'a:decrease:10']);
    expect(policy.decision('a')).toMatchObject({ mode: 'adaptive', maxPerTick: 40, targetPerTick: 10 });
  });
});
