import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLoggerFactory } from '../../src/http/request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    }),
  );
  return { lines, logger };
}

describe('the per-request logger', () => {
  it('writes each line with the request id, drops the levels the logger drops, and makes children', async () => {
    const { lines, logger } = capture('warn');
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: requestLoggerFactory,
      disableRequestLogging: true,
    });
    app.get('/quiet', async (request) => {
      request.log.info('not written at warn');
      request.log.debug({ detail: 1 }, 'nor this');
      return { ok: true };
    });
    app.get('/loud', async (request, reply) => {
      request.log.warn({ step: 1 }, 'first');
      reply.log.error(new Error('boom'), 'second');
      request.log.child({ part: 'inner' }).warn('third');
      return { level: request.log.level };
    });
    const quiet = await app.inject({ method: 'GET', url: '/quiet' });
    expect(quiet.statusCode).toBe(200);
    expect(lines).toEqual([]);
    const loud = await app.inject({ method: 'GET', url: '/loud', headers: { 'x-request-id': 'abc-123' } });
    expect(loud.json()).toEqual({ level: 'warn' });
    expect(lines.map((line) => line.msg)).toEqual(['first', 'second', 'third']);
    const reqIds = new Set(lines.map((line) => line.reqId));
    expect(reqIds.size).toBe(1);
    expect([...reqIds][0]).toEqual(expect.any(String));
    expect(lines[0]).toMatchObject({ step: 1, level: 40 });
    expect(lines[1]).toMatchObject({ level: 50, err: { message: 'boom' } });
    expect(lines[2]).toMatchObject({ part: 'inner' });
    await app.close();
  });

  it("honours a route's own log level", async () => {
    const { lines, logger } = capture('warn');
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: requestLoggerFactory,
      disableRequestLogging: true,
    });
    app.get('/chatty', { logLevel: 'info' }, async (request) => {
      request.log.info('written: the route logs at info');
      return {};
    });
    await app.inject({ method: 'GET', url: '/chatty' });
    expect(lines.map((line) => line.msg)).toEqual(['written: the route logs at info']);
    await app.close();
  });
});
