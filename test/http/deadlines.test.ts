import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { charge } from '../helpers/requests.js';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.js';

/** A transaction of another process that locks a user's row and then stalls (as under SIGSTOP). */
async function stalledLockOn(database: TestDatabase, userId: number) {
  const other = connect(database.url, { max: 1 });
  const locked = new Promise<void>((resolveLocked) => {
    void other.sql
      .begin(async (tx) => {
        await tx`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
        resolveLocked();
        await new Promise((resolve) => setTimeout(resolve, 6_000));
      })
      .catch(() => {});
  });
  await locked;
  return other;
}

describe('no request waits for ever', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('answers 503 DATABASE_BUSY when a stalled transaction holds what a write needs, and the retry succeeds', async () => {
    const database = await createTestDatabase();
    t = await createTestApp({ database });
    const tokens = await t.activate(7);
    const other = await stalledLockOn(database, 7);
    const started = Date.now();
    const busy = await charge(t, 7, 5_000, tokens.get(7), 'busy-key');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBeDefined();
    expect(busy.json()).toMatchObject({ code: 'DATABASE_BUSY' });
    await other.close(); // the stalled process goes away: its transaction rolls back
    const retried = await charge(t, 7, 5_000, tokens.get(7), 'busy-key');
    expect(retried.statusCode).toBe(200);
  }, 20_000);

  it('answers 503 REQUEST_TIMEOUT at the request deadline, whatever the work behind it is waiting for', async () => {
    const database = await createTestDatabase();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, callback) {
          lines.push(JSON.parse(String(chunk)));
          callback();
        },
      }),
    );
    t = await createTestApp({
      database,
      logger,
      env: { REQUEST_DEADLINE_MS: '300', LOG_SLOW_REQUEST_MS: '200' },
    });
    // On a busy machine the app's first requests can themselves pass the 300-ms deadline: retry.
    let token: string | undefined;
    for (let i = 0; i < 5 && token === undefined; i++) token = (await t.activate(8)).get(8);
    expect(token).toBeDefined();
    // Answered requests leave their deadline bucket: none of these is answered a second time.
    for (let i = 0; i < 50; i++) {
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    }
    const other = await stalledLockOn(database, 8);
    const started = Date.now();
    const late = await charge(t, 8, 5_000, token, 'late-key');
    const took = Date.now() - started;
    // Never before the deadline; within two sweeps (15 ms each at 300 ms) after it, plus a busy machine.
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(1_500);
    expect(late.statusCode).toBe(503);
    expect(late.json()).toMatchObject({ code: 'REQUEST_TIMEOUT', requestId: late.headers['x-request-id'] });
    expect(late.headers['retry-after']).toBeDefined();
    await other.close();
    // Each line that is logged names the request: the deadline's, the slow request's, and
    // Fastify's own about the late failure once the stalled lock went away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requestId = late.headers['x-request-id'];
    const own = lines.filter((line) => line.reqId === requestId);
    expect(own.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['request deadline passed; answered 503', 'slow request']),
    );
    for (const line of lines) expect(line.reqId).toEqual(expect.any(String));
    expect(own.find((line) => line.msg === 'slow request')).toMatchObject({
      route: '/users/:userId/charge',
      method: 'PATCH',
      statusCode: 503,
    });
  }, 20_000);
});
