import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabaseInvariants } from '../../load/chaos/db-invariants.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { range } from '../helpers/requests.js';
import { storeKinds } from '../helpers/stores.js';
import { documentedCodes } from './documented-codes.js';
import { type Operation, operationsOf } from './openapi-model.js';
import { type FuzzContext, type FuzzRequest, planArbitrary, toCurl, toRequest } from './request-gen.js';
import { responseProblem, sameReplay } from './response-checks.js';

// FUZZ_RUNS=50000 npx vitest run test/fuzz for a longer run; FUZZ_SEED to repeat one.
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const USERS = range(1, 40);
const REFRESH_EVERY = 300;

describe('fuzzing every route from its OpenAPI schema', () => {
  let t: TestApp;
  let operations: Operation[];
  const tokens = new Map<number, string>();
  const ctx: FuzzContext = {
    tokenOf: (userId) => tokens.get(userId),
    activeUsers: USERS,
    waitingToken: '',
    reservations: [],
  };

  /** Lets holds lapse and tokens age, then admits every fuzz user again and queues one waiter. */
  async function refresh() {
    t.clock.advance(301_000);
    for (const [userId, token] of await t.activate(...USERS)) tokens.set(userId, token);
    const waiting = await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId: 399 } });
    ctx.waitingToken = waiting.json<{ token: string }>().token;
  }

  beforeAll(async () => {
    t = await createTestApp({ store: storeKinds().at(-1) });
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    operations = operationsOf(doc);
    await refresh();
  });
  afterAll(() => t.close());

  it('answers every request without a 5xx, errors as documented problems, and no partial writes', {
    timeout: 60_000 + RUNS * 20,
  }, async () => {
    const codes = documentedCodes();
    const statuses = new Map<number, number>();
    let sent = 0;
    let refreshedAt = 0;
    const send = async (request: FuzzRequest) => {
      sent += 1;
      // A repeated header reaches a Node server joined with ", "; inject skips the parser, so join here.
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
      );
      const response = await t.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers,
        ...(request.body !== undefined ? { payload: request.body } : {}),
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      return response;
    };
    const started = Date.now();
    const property = fc.asyncProperty(
      planArbitrary(operations, ctx),
      fc.constantFrom('once', 'once', 'once', 'again', 'together'),
      async (plan, mode) => {
        if (sent - refreshedAt >= REFRESH_EVERY) {
          refreshedAt = sent;
          await refresh();
        }
        const request = toRequest(plan, ctx);
        const responses =
          mode === 'once'
            ? [await send(request)]
            : mode === 'again'
              ? [await send(request), await send(request)]
              : await Promise.all([send(request), send(request)]);
        const fail = (why: string) => {
          const answers = responses.map((r) => `→ ${r.statusCode} ${r.body.slice(0, 300)}`).join('\n');
          throw new Error(
            `${why}\n${toCurl(request)}${mode === 'once' ? '' : ` (sent twice, ${mode})`}\n${answers}`,
          );
        };
        for (const response of responses) {
          const problem = responseProblem(response, codes);
          if (problem) fail(problem);
        }
        const idempotent =
          typeof request.headers['idempotency-key'] === 'string' &&
          plan.op.params.some((p) => p.in === 'header' && p.name === 'idempotency-key');
        if (idempotent && responses.length === 2) {
          const mismatch = sameReplay(responses[0]!, responses[1]!, mode === 'again');
          if (mismatch) fail(mismatch);
        }
        for (const response of responses) {
          const body =
            response.statusCode === 201 ? response.json<{ reservationId?: string; userId?: number }>() : {};
          if (body.reservationId && body.userId && plan.op.id.includes('reserv')) {
            if (!ctx.reservations.some((r) => r.id === body.reservationId))
              ctx.reservations.push({ id: body.reservationId, userId: body.userId });
          }
        }
      },
    );
    const result = await fc.check(property, { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const byStatus = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    console.log(
      `fuzz: ${sent} requests over ${operations.length} operations in ${seconds} s (seed ${result.seed}): ${byStatus}`,
    );
    if (result.failed) {
      throw new Error(
        `fuzz failure after ${result.numRuns} runs (seed ${result.seed}, path "${result.counterexamplePath}"), ` +
          `shrunk ${result.numShrinks} times:\n${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
      );
    }
    expect(sent).toBeGreaterThanOrEqual(5_000 * Math.min(1, RUNS / 4000));
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Every kind of answer was reached, not just the validator's 400s.
    for (const status of [200, 201, 400, 401, 403, 404, 409, 413, 415])
      expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    for (const invariant of await checkDatabaseInvariants(t.database.sql)) {
      expect(invariant.violations, invariant.name).toEqual([]);
    }
  });
});
