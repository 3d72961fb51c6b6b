import { badRequest } from '../../errors.js';

export interface ChargePolicy {
  min: number;
  max: number;
  monthlyLimit: number;
  timeZone: string;
}

/** Rejects an amount that no charge may have, whatever the month so far. */
export function checkChargeAmount(amount: number, { min, max }: ChargePolicy): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw badRequest('CHARGE_AMOUNT_INVALID', 'The amount must be a positive whole number of won.');
  }
  if (amount < min) throw badRequest('CHARGE_BELOW_MINIMUM', `A charge must be at least ${min} won.`);
  if (amount > max) throw badRequest('CHARGE_ABOVE_MAXIMUM', `A charge may be at most ${max} won.`);
}

// Building an Intl.DateTimeFormat costs ~100 µs (it loads the zone's rules); the CPU profile
// of the charge path showed it as the largest single item, so one is kept per zone.
const monthFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar month ("2026-11") of an instant in the policy's time zone. */
export function monthOf(at: Date, timeZone: string): string {
  let format = monthFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}`;
}
