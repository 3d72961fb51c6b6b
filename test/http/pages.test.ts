import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickEncoding, WEB_DIST } from '../../src/http/pages.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const BUDGET = 50 * 1024;

describe('the pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    // `npm install` builds them (prepare); a checkout that skipped it builds here.
    if (!existsSync(path.join(WEB_DIST, 'fan.html'))) execFileSync(process.execPath, ['web/build.mjs']);
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('the first page, HTML plus every script and stylesheet it loads, is at most 50 kB compressed', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['cache-control']).toBe('no-cache');
    const plain = await t.app.inject({ method: 'GET', url: '/' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const assets = [...plain.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    let total = page.rawPayload.length;
    for (const asset of assets) {
      const reply = await t.app.inject({
        method: 'GET',
        url: asset,
        headers: { 'accept-encoding': 'br, gzip' },
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-encoding']).toBe('br');
      expect(reply.headers['cache-control']).toContain('immutable');
      expect(reply.headers['cache-control']).toContain('max-age=31536000');
      expect(reply.headers.vary).toMatch(/accept-encoding/i);
      total += reply.rawPayload.length;
    }
    console.log(`first page: ${assets.length + 1} files, ${total} bytes compressed (budget ${BUDGET})`);
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it('sends gzip to a client without brotli, and an unknown asset is a problem+json 404', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { 'accept-encoding': 'gzip' } });
    expect(page.headers['content-encoding']).toBe('gzip');
    const missing = await t.app.inject({ method: 'GET', url: '/assets/nope-000000000000.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  it('has no operator dashboard when no operator is configured', async () => {
    const reply = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(reply.statusCode).toBe(404);
  });

  it('honours q=0 when choosing an encoding', () => {
    expect(pickEncoding('br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding('identity')).toBe('identity');
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('gzip;q=0.5, br;q=1')).toBe('br');
  });
});
