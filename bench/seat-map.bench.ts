/**
 * npm run bench:seatmap [-- --seats 5000 --connections 50 --seconds 8]
 *
 * The seat map of one big schedule under load. A server (embedded stores) is started
 * with an operator token; the operator API makes a venue of --seats seats in five
 * sections, a concert and an open schedule; 50 users hold 10 seats each. Then autocannon
 * reads the seat map for --seconds per run: plain, gzip, brotli, and gzip while other
 * users hold seats (every hold changes the map). Each run prints req/s, p50/p99 and the
 * bytes of one answer as sent. The server runs on CPU 0, this process on CPU 1.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type IssuedToken, waitForActive } from '../load/lib/api.js';
import { fire, fmt, type LoadResult } from '../load/lib/cannon.js';
import { startServerProcess } from '../load/lib/server-process.js';

const { values: args } = parseArgs({
  options: {
    seats: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '8' },
  },
});
const seats = Number(args.seats);
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;

async function call<T>(
  base: string,
  method: string,
  url: string,
  body?: object,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The bytes of one answer as they travel (no decompression), and its Content-Encoding. */
function wireSize(url: string, encoding: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on('end', () =>
          resolve({ bytes, encoding: String(response.headers['content-encoding'] ?? 'identity') }),
        );
      })
      .on('error', reject);
  });
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-seatmap-'));
const server = await startServerProcess(
  {
    DATA_DIR: dataDir,
    SEED_USERS: '2000',
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: ADMIN,
    QUEUE_ADMIT_PER_TICK: '5000',
    QUEUE_MAX_ACTIVE: '5000',
    TICKET_LIMIT_PER_USER: '1000',
    QUEUE_TOKEN_SECRET: randomBytes(24).toString('base64url'),
  },
  { cpus: twoCores ? '0' : undefined },
);
const base = server.url;
const rows: { label: string; result: LoadResult; bytes: string }[] = [];
try {
  const auth = { authorization: `Bearer ${ADMIN}` };
  const per = Math.ceil(seats / 5);
  const sections = ['A', 'B', 'C', 'D', 'E'].map((name, i) => ({
    name,
    seatCount: Math.min(per, seats - i * per),
    price: 50_000 + i * 10_000,
  }));
  const venue = await call<{ venueId: number }>(
    base,
    'POST',
    '/admin/venues',
    { name: 'Bench Arena', sections },
    auth,
  );
  const concert = await call<{ concertId: number }>(
    base,
    'POST',
    '/admin/concerts',
    { title: 'Bench', artist: 'Bench', venueId: venue.venueId },
    auth,
  );
  const now = Date.now();
  const schedule = await call<{ scheduleId: number }>(
    base,
    'POST',
    `/admin/concerts/${concert.concertId}/schedules`,
    { startsAt: new Date(now + 86_400_000).toISOString(), salesOpenAt: new Date(now - 60_000).toISOString() },
    auth,
  );
  const { concertId } = concert;
  const { scheduleId } = schedule;
  const seatPath = `/concerts/${concertId}/schedules/${scheduleId}/seats`;

  const issued: IssuedToken[] = [];
  for (let userId = 1; userId <= 150; userId++)
    issued.push(await call<IssuedToken>(base, 'POST', '/waiting/issue', { userId, concertId }));
  const active = await waitForActive(base, issued, 150, 30_000);
  const hold = (user: IssuedToken, seatNumber: number) =>
    fetch(`${base}/reservations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        'x-queue-token': user.token,
      },
      body: JSON.stringify({ userId: user.userId, concertId, scheduleId, seatNumber }),
    }).then((r) => r.status);
  // 500 seats held, spread over the map.
  await Promise.all(
    active
      .slice(0, 50)
      .flatMap((user, u) =>
        Array.from({ length: 10 }, (_, k) => hold(user, 1 + (((u * 10 + k) * 7) % seats))),
      ),
  );

  const bare = await fire('bare route', { url: `${base}/health`, connections, duration: seconds });
  rows.push({ label: 'GET /health (bare-ish baseline)', result: bare, bytes: '—' });
  await fire('warm-up', { url: `${base}${seatPath}`, connections, duration: 1 });
  for (const encoding of ['', 'gzip', 'br']) {
    const size = await wireSize(`${base}${seatPath}`, encoding);
    const result = await fire(`seat map ${encoding || 'identity'}`, {
      url: `${base}${seatPath}`,
      connections,
      duration: seconds,
      headers: encoding ? { 'accept-encoding': encoding } : {},
    });
    rows.push({ label: `seat map, ${size.encoding}`, result, bytes: fmt(size.bytes) });
  }
  // Reads while seats change: a hold every 20 ms, each a new seat version.
  let writes = 0;
  let next = 5000;
  const writers = active.slice(50);
  const timer = setInterval(() => {
    const user = writers[next % writers.length]!;
    void hold(user, 1 + ((next++ * 13) % seats)).then((s) => {
      if (s === 201) writes++;
    });
  }, 20);
  const size = await wireSize(`${base}${seatPath}`, 'gzip');
  const busy = await fire('seat map gzip while holding', {
    url: `${base}${seatPath}`,
    connections,
    duration: seconds,
    headers: { 'accept-encoding': 'gzip' },
  });
  clearInterval(timer);
  rows.push({
    label: `seat map, ${size.encoding}, ${fmt(writes / seconds)} holds/s`,
    result: busy,
    bytes: fmt(size.bytes),
  });

  console.log(
    `\nSeat map of one schedule with ${fmt(seats)} seats (${sections.length} sections, 500+ held), ${connections} connections, ${seconds} s per run:\n`,
  );
  console.log('| run | req/s | p50 ms | p99 ms | bytes/answer | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const { label, result, bytes } of rows) {
    console.log(
      `| ${label} | ${fmt(result.reqPerSec)} | ${result.latency.p50} | ${result.latency.p99} | ${bytes} | ${result.non2xx} |`,
    );
  }
} finally {
  await server.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
