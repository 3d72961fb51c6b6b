import type { Tx } from '../../db/client.js';
import { conflict } from '../../errors.js';
import { lockSeats, type ScheduleRow, writeSeats } from './catalog.repository.js';
import { layoutSeats, type SectionSpec } from './seat-layout.js';

export const seatsInUse = (scheduleId: number) =>
  conflict(
    'SEATS_IN_USE',
    `Schedule ${scheduleId} has seats held or sold; its seats cannot change until they are released, expire or are refunded.`,
  );

/**
 * Rebuilds the seats of each schedule from the sections, all or none: 409 SEATS_IN_USE
 * when any of them has a seat held or sold, 409 SEATS_HAVE_HISTORY when seats that would
 * go away have past reservations (kept for the record).
 */
export async function rebuildSeats(
  tx: Tx,
  schedules: readonly ScheduleRow[],
  sections: readonly SectionSpec[],
  now: Date,
): Promise<void> {
  const layout = layoutSeats(sections);
  for (const schedule of schedules) {
    const state = await lockSeats(tx, schedule.scheduleId, now, layout.seatNumbers.length);
    if (state === 'in-use') throw seatsInUse(schedule.scheduleId);
    if (state === 'history') {
      throw conflict(
        'SEATS_HAVE_HISTORY',
        `Schedule ${schedule.scheduleId} would lose seats that past reservations refer to; keep at least as many seats.`,
      );
    }
  }
  for (const schedule of schedules) await writeSeats(tx, schedule.scheduleId, layout);
}
