import { parseArgs } from 'node:util';
import { entrantHash, type FairnessRecord, fairDraw, verifyFairness } from './fairness.js';

/**
 * Verifies (replays) a sale's opening draw from its public record:
 *   npm run verify-lottery -- --url http://localhost:3000 --concert 4 [--user 42 --salt <salt>]
 * fetches GET /sales/4/fairness, checks the secret against the commitment, recomputes the
 * entrants' digest, the seed and the shuffle, and exits 0 only when everything matches
 * (1: a mismatch, 2: it could not fetch a drawn record). With --user and --salt (from your
 * pre-queue issue) it also finds your entry and prints your drawn place.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      concert: { type: 'string' },
      user: { type: 'string' },
      salt: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (!values.url || !values.concert) {
    console.error('usage: npm run verify-lottery -- --url <base> --concert <id> [--user <id> --salt <salt>]');
    return 2;
  }
  const response = await fetch(new URL(`/sales/${values.concert}/fairness`, values.url));
  if (!response.ok) {
    console.error(`GET fairness: ${response.status} ${await response.text()}`);
    return 2;
  }
  const record = (await response.json()) as Partial<FairnessRecord> & { drawn: boolean };
  if (!record.drawn) {
    console.error(`not drawn yet; commitment ${record.commitment}`);
    return 2;
  }
  const failures = verifyFairness(record as FairnessRecord);
  for (const failure of failures) console.log(`MISMATCH: ${failure}`);
  if (values.user && values.salt) {
    const mine = entrantHash(values.salt, Number(values.user));
    const place = fairDraw(record.secret!, record.entrants!).order.indexOf(mine);
    console.log(
      place < 0 ? `user ${values.user}: not among the entrants` : `user ${values.user}: place ${place + 1}`,
    );
    if (place < 0) failures.push('not an entrant');
  }
  if (failures.length === 0) {
    console.log(`MATCH: ${record.entrants!.length} entrants, order digest ${record.orderDigest}`);
  }
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
