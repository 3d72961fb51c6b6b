import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    // With an operator token, so the document includes the /admin routes too.
    t = await createTestApp({ env: { ADMIN_TOKEN: 'operator-secret-0123456789' } });
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('is OpenAPI 3 and lists the API of both route sets', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/waiting/issue',
        '/waiting/check',
        '/concerts',
        '/concerts/{concertId}/schedules',
        '/concerts/{concertId}/schedules/{scheduleId}/seats',
        '/reservations',
        '/reservations/{reservationId}',
        '/users/{userId}/amount',
        '/users/{userId}/charge',
        '/payments',
        '/v1/api/queue/token',
        '/v1/api/concerts/payment',
        '/reservations/{reservationId}/refund',
        '/admin/venues',
        '/admin/concerts/{concertId}/schedules',
        '/admin/sales/{concertId}',
        '/admin/audit',
      ]),
    );
  });

  it('gives every operation a tag, a summary, a description and examples', () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!op.tags?.length) missing.push(`${name}: tag`);
        if (!op.summary) missing.push(`${name}: summary`);
        if (!op.description) missing.push(`${name}: description`);
        const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
        // JSON, or for the Server-Sent Events route the event stream.
        const content = success?.[1].content;
        if (
          content?.['application/json']?.example === undefined &&
          content?.['text/event-stream']?.example === undefined
        )
          missing.push(`${name}: example`);
        if (op.requestBody && op.requestBody.content['application/json']?.example === undefined) {
          missing.push(`${name}: request example`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every error answer as problem+json', () => {
    for (const operations of Object.values(doc.paths)) {
      for (const op of Object.values(operations)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400)
            expect(Object.keys(response.content ?? {})).toContain('application/json');
        }
      }
    }
  });
});
