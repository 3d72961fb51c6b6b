import { type AppError, forbidden } from '../../errors.js';
import type { SaleState, SalesWindow } from '../concerts/concerts.repository.js';

/** The 403 for a hold or payment outside the schedule's sales window, or nothing while it is open. */
export function saleRefusal(state: SaleState, window?: SalesWindow): AppError | undefined {
  if (state === 'NOT_OPEN') {
    const when = window?.salesOpenAt ? ` It opens at ${window.salesOpenAt.toISOString()}.` : '';
    return forbidden('SALE_NOT_OPEN', `The sale of this schedule has not opened yet.${when}`);
  }
  if (state === 'CLOSED') {
    const when = window?.salesCloseAt ? ` at ${window.salesCloseAt.toISOString()}` : '';
    return forbidden('SALE_CLOSED', `The sale of this schedule closed${when}.`);
  }
  return undefined;
}

/** A sales window as a database function reports it in JSON (instants as strings). */
export function windowFromJson(window: {
  salesOpenAt?: string | null;
  salesCloseAt?: string | null;
}): SalesWindow {
  const at = (value: string | null | undefined) => (value ? new Date(value) : null);
  return { salesOpenAt: at(window.salesOpenAt), salesCloseAt: at(window.salesCloseAt) };
}
