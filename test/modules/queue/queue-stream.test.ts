import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { openStream } from '../../helpers/sse.js';

describe('GET /waiting/stream', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { QUEUE_ADMIT_PER_TICK: '1', QUEUE_ACTIVE_TTL_SECONDS: '60' } });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  const issue = async (userId: number) =>
    (await t.app.inject({ method: 'POST', url: '/waiting/issue', payload: { userId } })).json<{
      token: string;
    }>().token;

  it('sends the place at once, position changes per tick, active at admission, expired at the end', async () => {
    const first = await issue(301);
    const second = await issue(302);
    const stream = await openStream(`${base}/waiting/stream`, { 'x-queue-token': second });
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    expect(await stream.next()).toMatchObject({
      event: 'position',
      data: { status: 'WAITING', position: 2 },
    });
    await t.tick(); // admits 301
    expect(await stream.next()).toMatchObject({ event: 'position', data: { position: 1 } });
    await t.tick(); // admits 302
    const active = await stream.next();
    expect(active).toMatchObject({ event: 'active', data: { status: 'ACTIVE', active: true } });
    expect(typeof active.data!.token).toBe('string');
    t.clock.advance(61_000);
    await t.tick();
    expect(await stream.next()).toMatchObject({ event: 'expired', data: { status: 'EXPIRED' } });
    await expect(stream.next()).rejects.toThrow('stream ended');
    expect(first).not.toBe(second);
  });

  it('takes the token from ?token= and honours Last-Event-ID on reconnect', async () => {
    const token = await issue(311);
    const stream = await openStream(`${base}/waiting/stream?token=${encodeURIComponent(token)}`);
    const first = await stream.next();
    expect(first.event).toBe('position');
    stream.close();
    // Reconnecting with the id of what it already has: no repeat, a heartbeat instead.
    const again = await openStream(`${base}/waiting/stream?token=${encodeURIComponent(token)}`, {
      'last-event-id': first.id!,
    });
    expect(await again.next()).toMatchObject({ event: 'heartbeat' });
    again.close();
  });

  it('answers 401 problem+json for a missing or forged token', async () => {
    const missing = await fetch(`${base}/waiting/stream`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const forged = await fetch(`${base}/waiting/stream?token=1.main.1.1.w.${'A'.repeat(43)}`);
    expect(((await forged.json()) as { code: string }).code).toBe('QUEUE_TOKEN_INVALID');
  });
});
