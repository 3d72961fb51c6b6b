import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('request ids', () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    // debug turns on Fastify's per-request lines, so there are request log lines to look at.
    t = await createTestApp({ env: { LOG_LEVEL: 'debug' }, logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(() => t.close());

  it('keeps a well-formed X-Request-Id: header, problem body and every log line of the request', async () => {
    const id = 'edge-7f3a.42:lb';
    const response = await t.app.inject({
      method: 'GET',
      url: '/no/such/route',
      headers: { 'x-request-id': id },
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', requestId: id });
    const mine = lines.filter((line) => line.reqId === id);
    expect(mine.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
    // No request line without an id.
    expect(lines.filter((line) => 'req' in line || 'res' in line).every((line) => 'reqId' in line)).toBe(
      true,
    );
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a newline', 'a\nb'],
  ])('replaces an X-Request-Id %s with a fresh UUID', async (_name, given) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/waiting/issue',
      payload: { userId: 0 },
      headers: { 'x-request-id': given },
    });
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.json()).toMatchObject({ status: 400, requestId: id });
  });

  it('makes a different id for every request without one, and returns it on success too', async () => {
    const [a, b] = await Promise.all([
      t.app.inject({ method: 'GET', url: '/health' }),
      t.app.inject({ method: 'GET', url: '/health' }),
    ]);
    expect(a!.statusCode).toBe(200);
    expect(a!.headers['x-request-id']).toBeTypeOf('string');
    expect(a!.headers['x-request-id']).not.toBe(b!.headers['x-request-id']);
  });
});
