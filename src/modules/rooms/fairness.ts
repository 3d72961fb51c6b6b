import { createHash } from 'node:crypto';
import { drawOrder, orderDigest } from './lottery.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const ALGORITHM =
  'commitment = SHA-256(secret hex); entrant = SHA-256("<salt>:<userId>"); entrants sorted ascending; ' +
  'entrantsDigest = SHA-256(entrants joined by ","); seed = SHA-256("<secret>:<entrantsDigest>"); ' +
  'order = Fisher-Yates of the sorted entrants, j uniform in 0..i by rejection sampling over 32-bit ' +
  'big-endian words of SHA-256(seed bytes || 8-byte big-endian counter); orderDigest = SHA-256(order joined by ",")';

export const commitmentOf = (secret: string) => sha256(secret);
export const entrantHash = (salt: string, userId: number) => sha256(`${salt}:${userId}`);
export const entrantsDigestOf = (sorted: readonly string[]) => sha256(sorted.join(','));
export const seedOf = (secret: string, entrantsDigest: string) => sha256(`${secret}:${entrantsDigest}`);
export const sortHashes = (hashes: readonly string[]) => [...hashes].sort();

/** The whole draw from the secret and the entrants' hashes. */
export function fairDraw(secret: string, hashes: readonly string[]) {
  const entrants = sortHashes(hashes);
  const entrantsDigest = entrantsDigestOf(entrants);
  const seed = seedOf(secret, entrantsDigest);
  const order = drawOrder(entrants, seed);
  return { entrants, entrantsDigest, seed, order, orderDigest: orderDigest(order) };
}

/** What GET /sales/{concertId}/fairness publishes once the draw ran. */
export interface FairnessRecord {
  commitment: string;
  secret: string;
  seed: string;
  entrants: string[];
  entrantsDigest: string;
  orderDigest: string;
}

/** Every check a verifier makes; the names of those that fail (empty: all good). */
export function verifyFairness(record: FairnessRecord): string[] {
  const failures: string[] = [];
  if (commitmentOf(record.secret) !== record.commitment)
    failures.push('secret does not match the commitment');
  const sorted = sortHashes(record.entrants);
  if (sorted.join(',') !== record.entrants.join(',')) failures.push('entrants are not in canonical order');
  if (new Set(sorted).size !== sorted.length) failures.push('entrants repeat');
  const drawn = fairDraw(record.secret, record.entrants);
  if (drawn.entrantsDigest !== record.entrantsDigest)
    failures.push('entrantsDigest does not match the entrants');
  if (drawn.seed !== record.seed) failures.push('seed is not SHA-256(secret:entrantsDigest)');
  if (drawn.orderDigest !== record.orderDigest) failures.push('orderDigest does not match the shuffle');
  return failures;
}
