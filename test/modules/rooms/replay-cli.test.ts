import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { range } from '../../helpers/requests.js';
import { issueFor } from '../../helpers/rooms.js';

const run = promisify(execFile);
const MINUTE = 60_000;

/** Runs `npm run verify-lottery` against a base URL: its exit code and output. */
async function replay(url: string, concertId: number, ...extra: string[]) {
  try {
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'src/modules/rooms/verify-lottery-cli.ts',
        '--url',
        url,
        '--concert',
        String(concertId),
        ...extra,
      ],
      { env: { PATH: process.env.PATH } },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('the documented replay command', () => {
  let t: TestApp;
  let fake: Server | undefined;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TOKEN } });
  });
  afterAll(async () => {
    fake?.close();
    await t.close();
  });

  it('exits 0 when the recorded draw replays, 1 when any input was altered', async () => {
    const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
    const { concertId } = await createSale(t, [{ name: 'A', seatCount: 2, price: 10_000 }], {
      startsAt: at(600 * MINUTE),
      salesOpenAt: at(MINUTE),
    });
    const salts = new Map<number, string>();
    for (const userId of range(201, 12))
      salts.set(userId, (await issueFor(t, userId, concertId)).json().entrant.salt);
    t.clock.advance(MINUTE);
    await t.tick();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const good = await replay(base, concertId);
    expect(good.stdout).toContain('MATCH: 12 entrants');
    expect(good.code).toBe(0);
    const mine = await replay(base, concertId, '--user', '205', '--salt', salts.get(205)!);
    expect(mine.stdout).toMatch(/user 205: place \d+/);
    expect(mine.code).toBe(0);

    const record = (await t.app.inject({ method: 'GET', url: `/sales/${concertId}/fairness` })).json();
    const flip = (value: string) => `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
    const tampered = [
      { ...record, secret: flip(record.secret) },
      { ...record, seed: flip(record.seed) },
      { ...record, entrants: [...record.entrants.slice(1), 'f'.repeat(64)] },
      { ...record, orderDigest: '0'.repeat(64) },
    ];
    let served = tampered[0];
    fake = createServer((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served)),
    );
    await new Promise<void>((resolve) => fake!.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    for (const variant of tampered) {
      served = variant;
      expect((await replay(fakeUrl, concertId)).code).toBe(1);
    }
  }, 120_000);
});
