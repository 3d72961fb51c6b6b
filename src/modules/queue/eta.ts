import type { Rates } from './room-view.js';

/** Drops in the rate window below this are too few to say what share of a line gives up. */
const MIN_DROPS_MEASURED = 100;

/**
 * Estimated wait of the waiter at `position`, in seconds. Admission runs in ticks, so
 * the wait is a whole number of ticks. Not everyone ahead will be admitted: some give
 * up and are dropped instead, and each drop moves the line as an admission does
 * without using the rate. So the places that still cost admissions are the position
 * times the share of recent leavers who were admitted rather than dropped —
 * admitted ÷ (admitted + dropped) over the rate window, once enough drops were seen
 * to measure it. `null` while no admission has been measured.
 */
export function estimateWaitSeconds(position: number, rates: Rates | null, tickMs: number): number | null {
  if (rates === null) return null;
  const perTick = (rates.admitted * tickMs) / 1000;
  const staying =
    rates.droppedInWindow >= MIN_DROPS_MEASURED ? rates.admitted / (rates.admitted + rates.dropped) : 1;
  const ticks = Math.ceil((position * staying) / perTick);
  return Math.ceil((ticks * tickMs) / 1000);
}
