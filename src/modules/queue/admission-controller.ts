/**
 * Admission that follows the back end's health (QUEUE_ADMISSION_MODE=adaptive): once per
 * tick and room, a new admission rate from the last one and a health sample. AIMD, with a
 * dead band: multiplicative decrease when holds/payments are slow or failing (at most once
 * per cooldown, so one bad window is not punished twice), additive increase when clearly
 * healthy (at most once per increase period), no change close to the target. Pure: the
 * caller keeps the state and feeds the sample (src/modules/queue/health-window.ts).
 */

export interface HealthSample {
  /** p99 latency of holds and payments in the window (ms); null without enough of them. */
  readonly p99Ms: number | null;
  /** Requests of any kind in the window. */
  readonly requests: number;
  /** Share of them answered 5xx (503 included). */
  readonly errorRate: number;
}

export interface ControllerSettings {
  /** Holds/payments p99 the controller keeps under. */
  readonly targetP99Ms: number;
  /** 5xx share above which the rate goes down. */
  readonly maxErrorRate: number;
  /** Fewer requests than this in the window say nothing about the error rate. */
  readonly minRequests: number;
  /** Multiplicative decrease factor (0 < f < 1). */
  readonly decrease: number;
  /** Additive increase per step, as a share of the max rate (at least one user per tick). */
  readonly increaseShare: number;
  /** After a decrease, wait this long (one health window) before the next one. */
  readonly cooldownMs: number;
  /** At most one increase per this long. */
  readonly increaseEveryMs: number;
  /** No change while p99 is between this share of the target and the target. */
  readonly holdAbove: number;
  /** No increase while p99 is above its moving average × this (rising). */
  readonly risingBy: number;
}

export const DEFAULT_CONTROLLER: ControllerSettings = {
  targetP99Ms: 800,
  maxErrorRate: 0.02,
  minRequests: 20,
  decrease: 0.5,
  increaseShare: 0.05,
  cooldownMs: 10_000,
  increaseEveryMs: 5_000,
  holdAbove: 0.5,
  risingBy: 1.1,
};

export type DecisionKind = 'increase' | 'decrease' | 'hold';

export interface ControllerState {
  /** Users per tick, fractional (rounded when applied). */
  readonly rate: number;
  readonly kind: DecisionKind;
  readonly reason: string;
  readonly at: number;
  readonly lastDecreaseAt: number;
  readonly lastIncreaseAt: number;
  /** The rate at which the last trouble began: increases slow down near it. */
  readonly ceiling: number;
  /** A moving average of the p99 (ms): a p99 well above it is rising, so no increase yet. */
  readonly trendP99Ms: number | null;
}

export interface RateBounds {
  /** Operator's floor (QUEUE_ADAPTIVE_MIN_PER_TICK), never above max. */
  readonly min: number;
  /** The room's set rate (a sale's live controls, else QUEUE_ADMIT_PER_TICK); 0: paused. */
  readonly max: number;
}

/** Users per tick to admit, from the controller's fractional rate. */
export const perTick = (state: ControllerState) => Math.round(state.rate);

const ms = (value: number) => `${Math.round(value)} ms`;

export function decide(
  previous: ControllerState | undefined,
  sample: HealthSample,
  bounds: RateBounds,
  settings: ControllerSettings,
  now: number,
): ControllerState {
  const max = Math.max(0, bounds.max);
  const min = Math.min(Math.max(0, bounds.min), max);
  // A new room starts at the operator's rate: healthy, adaptive admits as fixed does.
  const base = previous ?? {
    rate: max,
    kind: 'hold' as const,
    reason: 'start at the set rate',
    at: now,
    lastDecreaseAt: Number.NEGATIVE_INFINITY,
    lastIncreaseAt: Number.NEGATIVE_INFINITY,
    trendP99Ms: null,
    ceiling: Number.POSITIVE_INFINITY,
  };
  const rate = Math.min(max, Math.max(min, base.rate));
  const p99 = sample.p99Ms;
  const trend = base.trendP99Ms;
  const trendP99Ms = p99 === null ? trend : trend === null ? p99 : trend + (p99 - trend) * 0.2;
  const next = (kind: DecisionKind, value: number, reason: string, extra: Partial<ControllerState> = {}) => ({
    ...base,
    ...extra,
    rate: value,
    kind,
    reason,
    at: now,
    trendP99Ms,
  });
  if (max === 0) return next('hold', 0, 'paused (rate 0)');

  const { targetP99Ms, maxErrorRate, minRequests } = settings;
  const slow = sample.p99Ms !== null && sample.p99Ms > targetP99Ms;
  const failing = sample.requests >= minRequests && sample.errorRate > maxErrorRate;
  if (slow || failing) {
    const why = slow
      ? `hold/pay p99 ${ms(sample.p99Ms!)} > target ${ms(targetP99Ms)}`
      : `5xx ${(sample.errorRate * 100).toFixed(1)}% > ${(maxErrorRate * 100).toFixed(1)}%`;
    if (now - base.lastDecreaseAt < settings.cooldownMs)
      return next('hold', rate, `${why}; waiting for the last decrease to act`);
    const lower = Math.max(min, rate * settings.decrease);
    // The first decrease of an episode marks the rate the back end could not take.
    const episode = now - base.lastDecreaseAt > settings.cooldownMs * 6;
    return next('decrease', lower, why, { lastDecreaseAt: now, ceiling: episode ? rate : base.ceiling });
  }
  if (sample.p99Ms !== null && sample.p99Ms > targetP99Ms * settings.holdAbove)
    return next('hold', rate, `hold/pay p99 ${ms(sample.p99Ms)} near target ${ms(targetP99Ms)}`);
  if (rate >= max) return next('hold', max, 'healthy, at the set rate');
  // Admitted users load the back end for minutes: a p99 climbing on its own says the last
  // increases have not shown their full effect yet.
  if (p99 !== null && trend !== null && p99 > trend * settings.risingBy && p99 > targetP99Ms / 4)
    return next('hold', rate, `hold/pay p99 ${ms(p99)} rising (average ${ms(trend)})`);
  if (now - base.lastIncreaseAt < settings.increaseEveryMs)
    return next('hold', rate, 'healthy; increasing step by step');
  // Fast up to three quarters of the rate that last caused trouble, then probing slowly:
  // the load of admitted users shows minutes later, so a quick climb would overshoot.
  const full = Math.max(1, max * settings.increaseShare);
  const step = rate + full <= base.ceiling * 0.75 ? full : full / 4;
  const healthy = sample.p99Ms === null ? 'no holds/payments measured' : `hold/pay p99 ${ms(sample.p99Ms)}`;
  return next('increase', Math.min(max, rate + step), `healthy: ${healthy}`, { lastIncreaseAt: now });
}
