import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('errors are problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['unknown route', { method: 'GET', url: '/no/such/route' }, 404, 'ROUTE_NOT_FOUND'],
    [
      'malformed JSON',
      {
        method: 'POST',
        url: '/waiting/issue',
        payload: '{"userId":',
        headers: { 'content-type': 'application/json' },
      },
      400,
      'MALFORMED_JSON',
    ],
    [
      'unsupported media type',
      { method: 'POST', url: '/waiting/issue', payload: 'userId=1', headers: { 'content-type': 'text/csv' } },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'oversized body',
      {
        method: 'POST',
        url: '/waiting/issue',
        payload: JSON.stringify({ userId: 1, pad: 'x'.repeat(100_000) }),
        headers: { 'content-type': 'application/json' },
      },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['bad path parameter', { method: 'GET', url: '/users/abc/amount' }, 400, 'VALIDATION_FAILED'],
    // Found by the fuzzer: router errors used to leave as Fastify's plain JSON.
    [
      'path parameter over 100 chars',
      { method: 'GET', url: `/users/${'1'.repeat(101)}/amount` },
      414,
      'URI_TOO_LONG',
    ],
    ['bad percent-encoding in the path', { method: 'GET', url: '/users/%ZZ/amount' }, 400, 'BAD_REQUEST'],
  ] as const)('%s', async (_, request, status, code) => {
    const response = await t.app.inject(request);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(body).toMatchObject({
      status,
      code,
      type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
  });

  it('answers health and readiness', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ status: 'ready' });
  });
});
