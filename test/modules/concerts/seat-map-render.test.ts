import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiate } from '../../../src/modules/concerts/seat-map-render.js';
import { ADMIN_TOKEN, createSale } from '../../helpers/admin.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { reserve } from '../../helpers/requests.js';

describe('Accept-Encoding negotiation', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'gzip'],
    ['deflate', 'identity'],
  ] as const)('%s → %s', (header, expected) => {
    expect(negotiate(header)).toBe(expected);
  });
});

describe('a 5,000-seat seat map', () => {
  let t: TestApp;
  let url: string;
  let concertId: number;
  let scheduleId: number;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TOKEN } });
    const at = (ms: number) => new Date(t.clock.now() + ms).toISOString();
    ({ concertId, scheduleId } = await createSale(
      t,
      [
        { name: 'Floor', seatCount: 2000, price: 99_000 },
        { name: 'Upper', seatCount: 3000, price: 55_000 },
      ],
      { startsAt: at(86_400_000), salesOpenAt: at(-60_000) },
    ));
    url = `/concerts/${concertId}/schedules/${scheduleId}/seats`;
  });
  afterAll(() => t.close());

  const get = (encoding?: string) =>
    t.app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });

  it('sends the same JSON plain, gzip or brotli, the compressed forms far smaller', async () => {
    const plain = await get();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toContain('accept-encoding');
    const body = plain.json();
    expect(body.seats).toHaveLength(5000);
    expect(body.seats[2000]).toEqual({
      seatNumber: 2001,
      status: 'AVAILABLE',
      price: 55_000,
      section: 'Upper',
      label: 'Upper-1',
    });
    const gzip = await get('gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(gzip.rawPayload).toString())).toEqual(body);
    const br = await get('gzip, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(zlib.brotliDecompressSync(br.rawPayload).toString())).toEqual(body);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 10);
  });

  it('re-renders for a change and when a hold lapses, with no write in between', async () => {
    const token = (await t.activateIn(concertId, 50)).get(50);
    expect(
      (await reserve(t, { userId: 50, token, concertId, scheduleId, seatNumber: 4999 })).statusCode,
    ).toBe(201);
    const held = JSON.parse(zlib.gunzipSync((await get('gzip')).rawPayload).toString());
    expect(held.seats[4998].status).toBe('TEMP_RESERVED');
    t.clock.advance(t.config.holdSeconds * 1000);
    const lapsed = JSON.parse(zlib.gunzipSync((await get('gzip')).rawPayload).toString());
    expect(lapsed.seats[4998].status).toBe('AVAILABLE');
  });
});
