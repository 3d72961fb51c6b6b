/**
 * npm run bench:pow [-- --difficulty 18 --solves 20 --checks 20000]
 *
 * Proof-of-work costs: the server's check of one proof (HMAC + SHA-256, without the
 * used-once insert), in microseconds, and the time to solve one challenge in Node at
 * --difficulty (a phone-class browser is slower; see README).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createProofOfWork, solve } from '../src/modules/pow/pow.js';

const { values: args } = parseArgs({
  options: {
    difficulty: { type: 'string', default: '18' },
    solves: { type: 'string', default: '20' },
    checks: { type: 'string', default: '20000' },
  },
});
const difficulty = Number(args.difficulty);
const pow = createProofOfWork(randomBytes(24).toString('base64url'), 120_000);
const now = Date.now();

const solveMs: number[] = [];
const proofs: string[] = [];
for (let i = 0; i < Number(args.solves); i++) {
  const { challenge } = pow.issue(difficulty, now);
  const started = performance.now();
  proofs.push(solve(challenge, difficulty));
  solveMs.push(performance.now() - started);
}
solveMs.sort((a, b) => a - b);
const mean = solveMs.reduce((a, b) => a + b, 0) / solveMs.length;
console.log(
  `solve at difficulty ${difficulty} (Node, one core): mean ${mean.toFixed(0)} ms, median ` +
    `${solveMs[solveMs.length >> 1]!.toFixed(0)} ms, max ${solveMs.at(-1)!.toFixed(0)} ms over ${solveMs.length}`,
);

const checks = Number(args.checks);
let ok = 0;
const started = performance.now();
for (let i = 0; i < checks; i++) if (pow.check(proofs[i % proofs.length]!, difficulty, now).ok) ok += 1;
const micros = ((performance.now() - started) * 1000) / checks;
console.log(
  `server check: ${micros.toFixed(1)} µs per proof (${ok}/${checks} valid), plus one INSERT of the used id`,
);
