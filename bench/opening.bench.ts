/**
 * npm run bench:opening [-- --users 10000 --admit 1000 --concurrency 64]
 *
 * An opening burst: a server (embedded stores) with --users users; the operator creates a
 * sale opening in an hour; every user joins its pre-queue; the operator moves the opening
 * to a few seconds from now. Prints: the pre-queue joins per second, the draw and the
 * placing of everyone drawn (from the server's log line), how long until every drawn
 * user's check shows a place, and how long admission takes (QUEUE_ADMIT_PER_TICK=--admit,
 * one tick a second) until the last drawn user is admitted. The server runs on CPU 0.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../load/lib/server-process.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    admit: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const users = Number(args.users);
const concurrency = Number(args.concurrency);
const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;
const auth = { authorization: `Bearer ${ADMIN}` };

async function call<T>(base: string, method: string, url: string, body?: object, headers = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs work(i) for i in 0..n-1 with `concurrency` in flight. */
async function pool(n: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-opening-'));
const server = await startServerProcess(
  {
    DATA_DIR: dataDir,
    SEED_USERS: String(users),
    LOG_LEVEL: 'info',
    ADMIN_TOKEN: ADMIN,
    QUEUE_ADMIT_PER_TICK: args.admit!,
    QUEUE_MAX_ACTIVE: String(users),
    QUEUE_TICK_MS: '1000',
    QUEUE_IDLE_TIMEOUT_SECONDS: '600',
    QUEUE_TOKEN_SECRET: randomBytes(24).toString('base64url'),
  },
  { cpus: twoCores ? '0' : undefined },
);
const base = server.url;
try {
  const hour = new Date(Date.now() + 3_600_000).toISOString();
  const starts = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const { venueId } = await call<{ venueId: number }>(
    base,
    'POST',
    '/admin/venues',
    {
      name: 'Bench Arena',
      sections: [{ name: 'A', seatCount: 100, price: 10_000 }],
    },
    auth,
  );
  const { concertId } = await call<{ concertId: number }>(
    base,
    'POST',
    '/admin/concerts',
    {
      title: 'Opening Burst',
      artist: 'Bench',
      venueId,
    },
    auth,
  );
  const { scheduleId } = await call<{ scheduleId: number }>(
    base,
    'POST',
    `/admin/concerts/${concertId}/schedules`,
    {
      startsAt: starts,
      salesOpenAt: hour,
    },
    auth,
  );

  const tokens: string[] = new Array(users);
  let t0 = performance.now();
  await pool(users, async (i) => {
    const issued = await call<{ token: string; status: string }>(base, 'POST', '/waiting/issue', {
      userId: i + 1,
      concertId,
    });
    if (issued.status !== 'PRE_QUEUE') throw new Error(`user ${i + 1}: ${issued.status}`);
    tokens[i] = issued.token;
  });
  const joinSeconds = (performance.now() - t0) / 1000;
  console.log(
    `pre-queue: ${users} joins in ${joinSeconds.toFixed(1)} s (${Math.round(users / joinSeconds)}/s)`,
  );

  const opensAt = Date.now() + 2000;
  await call(
    base,
    'PATCH',
    `/admin/schedules/${scheduleId}`,
    { salesOpenAt: new Date(opensAt).toISOString() },
    auth,
  );
  let lottery: { drawnAt: string; entrants: number } | undefined;
  while (!lottery) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${base}/admin/sales/${concertId}/lottery`, { headers: auth });
    if (response.ok) lottery = (await response.json()) as { drawnAt: string; entrants: number };
  }
  const placedAt = Date.now();
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('sale opening: draw placed'));
  const logged = line ? (JSON.parse(line) as { drawMs: number; placedMs: number }) : undefined;
  console.log(
    `draw: ${lottery.entrants} entrants, drawn ${Date.parse(lottery.drawnAt) - opensAt} ms after the opening ` +
      `(tick phase included); draw + record ${logged?.drawMs} ms, + load and place in line ${logged?.placedMs} ms`,
  );

  // Every drawn user checks once: their place (and the token of it).
  const placed: string[] = new Array(users);
  const positions: number[] = [];
  t0 = performance.now();
  await pool(users, async (i) => {
    const checked = await call<{ token: string; position: number; status: string }>(
      base,
      'GET',
      '/waiting/check',
      undefined,
      {
        'x-queue-token': tokens[i]!,
      },
    );
    placed[i] = checked.token;
    positions.push(checked.position);
  });
  const checkSeconds = (performance.now() - t0) / 1000;
  const waiting = positions.filter((p) => p > 0).length;
  console.log(
    `places: all ${users} checked in ${checkSeconds.toFixed(1)} s (${Math.round(users / checkSeconds)}/s); ` +
      `${waiting} still waiting, ${users - waiting} admitted meanwhile (${((Date.now() - placedAt) / 1000).toFixed(1)} s after the draw was visible)`,
  );

  // Admission: poll until the last of the draw is admitted (each poll keeps everyone alive).
  t0 = performance.now();
  let remaining = users;
  while (remaining > 0) {
    remaining = 0;
    await pool(users, async (i) => {
      const checked = await call<{ active: boolean }>(base, 'GET', '/waiting/check', undefined, {
        'x-queue-token': placed[i]!,
      });
      if (!checked.active) remaining += 1;
    });
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(
    `admission: everyone admitted ${((Date.now() - placedAt) / 1000).toFixed(1)} s after the draw ` +
      `(QUEUE_ADMIT_PER_TICK=${args.admit}, 1 tick/s: ideal ${Math.ceil(users / Number(args.admit))} s)`,
  );
} finally {
  await server.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
