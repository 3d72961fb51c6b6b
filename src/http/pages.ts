import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** web/dist beside src/ (or dist/): where `npm run build:web` puts the pages. */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface PagesOptions {
  dir: string;
  /** The operator dashboard at /admin: only when operators are configured. */
  admin: boolean;
}

interface Page {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

function loadPage(dir: string, name: string): Page {
  const file = path.join(dir, name);
  return { identity: readFileSync(file), br: readFileSync(`${file}.br`), gzip: readFileSync(`${file}.gz`) };
}

/** br, else gzip, else none: what the client accepts (a q=0 refuses). */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | 'identity' {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    offered.set(name ?? '', q ? Number(q.slice(2)) : 1);
  }
  if ((offered.get('br') ?? 0) > 0) return 'br';
  if ((offered.get('gzip') ?? 0) > 0) return 'gzip';
  return 'identity';
}

function sendPage(page: Page, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const encoding = pickEncoding(request.headers['accept-encoding']);
  reply
    .type('text/html; charset=utf-8')
    // The HTML names the hashed assets, so it is revalidated every time; the assets never change.
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
  if (encoding !== 'identity') reply.header('content-encoding', encoding);
  return reply.send(encoding === 'identity' ? page.identity : page[encoding]);
}

/**
 * The fan pages at `/` and the operator dashboard at `/admin`, built by esbuild into web/dist.
 * Hashed assets under /assets/ are sent pre-compressed (br/gzip, made at build time) with a
 * one-year immutable cache. The pages talk to the public API only; they are not API routes,
 * so they are hidden from the OpenAPI document.
 */
export const pagesPlugin: FastifyPluginAsync<PagesOptions> = async (app, { dir, admin }) => {
  if (!existsSync(path.join(dir, 'fan.html'))) {
    app.log.warn({ dir }, 'web pages are not built (npm run build:web): / and /admin are not served');
    return;
  }
  await app.register(fastifyStatic, {
    root: path.join(dir, 'assets'),
    prefix: '/assets/',
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
    // Shared caches must keep the br, gzip and plain copies apart.
    setHeaders: (res) => res.setHeader('vary', 'accept-encoding'),
  });
  const fan = loadPage(dir, 'fan.html');
  app.get('/', { schema: { hide: true } }, (request, reply) => sendPage(fan, request, reply));
  if (admin) {
    const dashboard = loadPage(dir, 'admin.html');
    app.get('/admin', { schema: { hide: true } }, (request, reply) => sendPage(dashboard, request, reply));
  }
};
