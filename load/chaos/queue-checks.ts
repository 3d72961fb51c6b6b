import type { Verdict } from './checks.js';
import type { Fan } from './fan.js';
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
 * FIFO among users who kept polling: if A's issue was answered before B's was sent,
 * A is never seen still waiting after B was seen active. (The store admits the
 * earliest waiters first; a check that starts after B's active answer ended is later.)
 */
export function checkFifo(fans: Fan[]): Verdict {
  // A fan whose place was lost counts under the lost-place invariant; here, only fans whose place held.
  const kept = fans.filter((f) => f.lost.length === 0);
  const admitted = kept.filter((f) => f.arrival && f.firstActiveAt !== undefined);
  const violations: Verdict['violations'] = [];
  let pairs = 0;
  for (const a of kept) {
    if (!a.arrival) continue;
    const waitingChecks = a.checks.filter((c) => !c.active);
    if (waitingChecks.length === 0) continue;
    const lastWaiting = Math.max(...waitingChecks.map((c) => c.start));
    const overtakers = admitted.filter(
      (b) => b.arrival!.start > a.arrival!.end && b.firstActiveAt! < lastWaiting,
    );
    pairs += overtakers.length;
    if (overtakers.length && violations.length < 20) {
      const b = overtakers[0]!;
      violations.push({
        text:
          `user ${a.userId} (arrived ${s(a.arrival.end)}) still waiting at ${s(lastWaiting)}, but ${overtakers.length} later ` +
          `arrivals were active before, e.g. user ${b.userId} (arrived ${s(b.arrival!.start)}, active at ${s(b.firstActiveAt!)})`,
        owner: 'issue 10',
      });
    }
  }
  const name = `queue: no FIFO violation among users who kept polling and kept their place${pairs ? ` (${pairs} overtaking pairs)` : ''}`;
  return { name, violations };
}
