import {
  type ControllerSettings,
  type ControllerState,
  type DecisionKind,
  decide,
  type HealthSample,
  perTick,
} from './admission-controller.js';
import type { RoomPlan } from './queue-ticker.js';

export type AdmissionMode = 'fixed' | 'adaptive';

/** What a room admits with now, and why (dashboard, metrics). */
export interface AdmissionDecision {
  readonly mode: AdmissionMode;
  /** Users per tick admitted now. */
  readonly targetPerTick: number;
  /** The operator's rate (the upper bound). */
  readonly maxPerTick: number;
  readonly kind: DecisionKind;
  readonly reason: string;
  readonly at: number;
}

export interface AdmissionPolicy {
  readonly mode: AdmissionMode;
  /** The limits a room admits with this tick, from the room's own (the operator's) limits. */
  plan(room: string, limits: RoomPlan, now: number): RoomPlan;
  decision(room: string): AdmissionDecision | undefined;
}

export interface AdmissionPolicyDeps {
  mode: AdmissionMode;
  /** QUEUE_ADMIT_PER_TICK: a room's rate when its sale sets none. */
  defaultPerTick: number;
  /** QUEUE_ADAPTIVE_MIN_PER_TICK: the floor of an adaptive rate (a sick back end still drains the line). */
  minPerTick: number;
  controller: ControllerSettings;
  /** This process's health now (src/modules/queue/health-window.ts). */
  health(now: number): HealthSample;
  onDecision?(room: string, decision: AdmissionDecision): void;
}

/**
 * Per room, per tick: the operator's rate (fixed), or the controller's rate between the
 * floor and the operator's rate (adaptive). With several processes each measures its own
 * health and decides for itself; the process that wins a tick's admission slot admits at
 * its rate (README "Admission that follows health").
 */
export function createAdmissionPolicy(deps: AdmissionPolicyDeps): AdmissionPolicy {
  const states = new Map<string, ControllerState>();
  const decisions = new Map<string, AdmissionDecision>();
  let sampled: { at: number; sample: HealthSample } | undefined;

  const record = (room: string, decision: AdmissionDecision) => {
    decisions.set(room, decision);
    deps.onDecision?.(room, decision);
  };

  return {
    mode: deps.mode,
    decision: (room) => decisions.get(room),
    plan(room, limits, now) {
      const max = limits.admitPerTick ?? deps.defaultPerTick;
      if (deps.mode === 'fixed' || max === 0) {
        // Paused (or no plan this tick): the controller keeps its state for when it resumes.
        const reason = deps.mode === 'fixed' ? 'fixed rate' : 'paused (rate 0)';
        record(room, { mode: deps.mode, targetPerTick: max, maxPerTick: max, kind: 'hold', reason, at: now });
        return limits;
      }
      if (sampled?.at !== now) sampled = { at: now, sample: deps.health(now) };
      const state = decide(
        states.get(room),
        sampled.sample,
        { min: deps.minPerTick, max },
        deps.controller,
        now,
      );
      states.set(room, state);
      const target = perTick(state);
      record(room, {
        mode: 'adaptive',
        targetPerTick: target,
        maxPerTick: max,
        kind: state.kind,
        reason: state.reason,
        at: now,
      });
      return { ...limits, admitPerTick: target };
    },
  };
}
