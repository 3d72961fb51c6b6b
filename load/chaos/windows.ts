import type { AppCrash } from './apps.js';
import type { FaultEvent } from './faults.js';
import { STORE_FAULTS } from './faults.js';
import type { Exchange } from './history.js';

/** 503s and slow answers are allowed this long after a fault has been repaired (reconnects, caches). */
export const GRACE_MS = 5_000;

export interface Window {
  from: number;
  to: number;
  label: string;
}

const label = (e: FaultEvent) =>
  `${e.kind}${e.target ? ` ${e.target}` : ''} at ${((e.start ?? 0) / 1000).toFixed(1)} s`;

function windows(events: FaultEvent[], keep: (e: FaultEvent) => boolean, grace: number): Window[] {
  return events
    .filter((e) => e.start !== undefined && keep(e))
    .map((e) => ({ from: e.start!, to: (e.end ?? e.start!) + grace, label: label(e) }));
}

export interface FaultWindows {
  any: Window[];
  store: Window[];
  /** Per app: when it was killed, restarting or frozen. */
  appDown: Map<string, Window[]>;
}

export function faultWindows(events: FaultEvent[], crashes: AppCrash[]): FaultWindows {
  const appDown = new Map<string, Window[]>();
  for (const c of crashes) {
    const window = {
      from: c.at,
      to: (c.restartedAt ?? Number.POSITIVE_INFINITY) + 1_000,
      label: `${c.app} crashed at ${(c.at / 1000).toFixed(1)} s`,
    };
    appDown.set(c.app, [...(appDown.get(c.app) ?? []), window]);
  }
  for (const e of events) {
    if (!e.target) continue;
    appDown.set(e.target, [...(appDown.get(e.target) ?? []), ...windows([e], () => true, 1_000)]);
  }
  return {
    any: windows(events, () => true, GRACE_MS),
    store: windows(events, (e) => STORE_FAULTS.includes(e.kind), GRACE_MS),
    appDown,
  };
}

/** The window the exchange overlaps, if any (the latest to begin, when several do). */
export function overlapping(exchange: Exchange, list: Window[] | undefined): Window | undefined {
  return list?.filter((w) => exchange.start <= w.to && exchange.end >= w.from).at(-1);
}
