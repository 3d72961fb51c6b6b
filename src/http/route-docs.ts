import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The Fastify instance a TypeBox route plugin receives. */
export type TypeBoxApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** Where a route is mounted and how OpenAPI presents it; a twin route set mounts the same route elsewhere. */
export interface Mount {
  method: 'GET' | 'POST';
  url: string;
  tags: string[];
  summary: string;
  description: string;
}

/** The same route under another URL (and method), documented as the twin of the original. */
export function twinOf(original: Mount, method: Mount['method'], url: string, tag: string): Mount {
  return {
    method,
    url,
    tags: [tag],
    summary: original.summary,
    description: `The same operation as ${original.method} ${original.url}, with the same gate, idempotency, answers and errors. ${original.description}`,
  };
}
