/**
 * npm run bench:identity [-- --users 2000 --connections 100 --duration 3 --rounds 5 --control]
 *
 * The cost of AUTH_MODE=jwt (HS256, jose) on the gated routes, measured in one run: three
 * servers of the same build, AUTH_MODE=none, AUTH_MODE=jwt, and AUTH_MODE=jwt with the
 * verified-token cache off (each on an embedded database of its own), all pinned to CPU 0
 * and fired at in turns, route by route and round by round (the order rotates), so that
 * the shared machine's noise falls on all of them; medians reported. Besides req/s it
 * reports the server process's CPU time per request (from /proc), which a busy neighbour
 * inflates far less than it moves req/s, and the cost of one verification alone.
 * `--control` runs every server with AUTH_MODE=none, to see the noise between slots.
 * This load generator runs on CPU 1 (when there are two).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { fire, fmt, type LoadResult } from '../load/lib/cannon.js';
import { type ServerProcess, startServerProcess } from '../load/lib/server-process.js';
import { loadConfig } from '../src/config.js';
import { signDevToken } from '../src/modules/identity/dev-token.js';
import { createJwtVerifier } from '../src/modules/identity/jwt-verifier.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    /** Control run: both servers in AUTH_MODE=none (the "jwt" one still receives the JWTs). */
    control: { type: 'boolean', default: false },
  },
});
const users = Number(args.users);
const connections = Number(args.connections);
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const serverCpus = twoCores ? '0' : undefined;

const JWT_ENV = { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'bench-secret-0123456789abcdef0123456789' };
const jwtAuth = loadConfig(JWT_ENV).auth;
if (jwtAuth.mode !== 'jwt') throw new Error('unreachable');
const userIds = Array.from({ length: users }, (_, i) => i + 1);
const jwts = await Promise.all(
  userIds.map((userId) => signDevToken(jwtAuth, { userId, roles: [], ttlSeconds: 3600, now: Date.now() })),
);

/** `jwt-nocache`: AUTH_JWT_CACHE_SECONDS=0, jose verifies every request (to show what the cache saves). */
type Mode = 'none' | 'jwt' | 'jwt-nocache';
const MODES: Mode[] = ['none', 'jwt', 'jwt-nocache'];
// Which mode goes first measured differently on the shared machine: the order rotates per round.
const orderOf = (round: number): Mode[] => MODES.map((_, i) => MODES[(i + round) % MODES.length]!);

/** CPU seconds (user + system) a process has used so far: contention on a shared core leaves it alone. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}

/** The verifier alone, in this process: µs per verification of a valid HS256 JWT, by jose and from the cache. */
async function verifyCost(cacheSeconds: number): Promise<number> {
  if (jwtAuth.mode !== 'jwt') throw new Error('unreachable');
  const verify = createJwtVerifier({ ...jwtAuth, cacheSeconds }, { now: () => Date.now() });
  const count = 20_000;
  for (let i = 0; i < 2000; i++) await verify(jwts[i % users]!);
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await verify(jwts[i % users]!);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

/** Issues a token for every user and waits until all are admitted. */
async function activate(server: ServerProcess, mode: Mode): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < users; start += 100) {
    const batch = userIds.slice(start, start + 100);
    const answers = await Promise.all(
      batch.map(async (userId) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (mode !== 'none') headers.authorization = `Bearer ${jwts[userId - 1]}`;
        const response = await fetch(`${server.url}/waiting/issue`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ userId }),
        });
        if (!response.ok) throw new Error(`issue ${userId}: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { token: string }).token;
      }),
    );
    tokens.push(...answers);
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const headers: Record<string, string> = { 'x-queue-token': tokens.at(-1)! };
    if (mode !== 'none') headers.authorization = `Bearer ${jwts.at(-1)}`;
    const status = (await (await fetch(`${server.url}/waiting/check`, { headers })).json()) as {
      active: boolean;
    };
    if (status.active) return tokens;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('users were not admitted');
}

interface Scenario {
  label: string;
  request(mode: Mode, tokens: string[]): autocannon.Request;
}

/** Round-robin over the users: each request carries its user's queue token (and JWT in jwt mode). */
function perUser(mode: Mode, tokens: string[], build: (userId: number) => autocannon.Request) {
  let next = 0;
  return (request: autocannon.Request) => {
    const index = next++ % users;
    const built = build(index + 1);
    const headers: Record<string, string> = { ...(built.headers as Record<string, string>) };
    headers['x-queue-token'] = tokens[index]!;
    if (mode !== 'none') headers.authorization = `Bearer ${jwts[index]}`;
    return { ...request, ...built, headers };
  };
}

const scenarios: Scenario[] = [
  {
    label: 'GET /users/{userId}/amount',
    request: (mode, tokens) => ({
      setupRequest: perUser(mode, tokens, (userId) => ({ method: 'GET', path: `/users/${userId}/amount` })),
    }),
  },
  {
    label: 'GET /waiting/check',
    request: (mode, tokens) => ({
      setupRequest: perUser(mode, tokens, () => ({ method: 'GET', path: '/waiting/check' })),
    }),
  },
  {
    label: 'POST /waiting/issue (returning user)',
    request: (mode, tokens) => ({
      setupRequest: perUser(mode, tokens, (userId) => ({
        method: 'POST',
        path: '/waiting/issue',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      })),
    }),
  },
];

const servers: Partial<Record<Mode, ServerProcess>> = {};
const dataDirsList: string[] = [];
type Measured = LoadResult & { cpuPerRequest: number };
const results = new Map<string, Measured[]>();
try {
  console.log(
    `identity benchmark: ${users} users, ${connections} connections, ${rounds} rounds of ${duration} s per ` +
      `route and mode, modes interleaved, servers on CPU ${serverCpus ?? 'any'}`,
  );
  const tokens: Partial<Record<Mode, string[]>> = {};
  for (const mode of MODES) {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `sd-bench-identity-${mode}-`));
    dataDirsList.push(dataDir);
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      SEED_USERS: String(users),
      LOG_LEVEL: 'warn',
      QUEUE_TICK_MS: '100',
      QUEUE_ADMIT_PER_TICK: String(users),
      QUEUE_MAX_ACTIVE: String(users),
      QUEUE_ACTIVE_TTL_SECONDS: '3600',
      QUEUE_ACTIVE_IDLE_SECONDS: '0', // the tokens are reused across modes
      QUEUE_IDLE_TIMEOUT_SECONDS: '3600',
      ...(mode !== 'none' && !args.control ? JWT_ENV : {}),
      ...(mode === 'jwt-nocache' ? { AUTH_JWT_CACHE_SECONDS: '0' } : {}),
    };
    const server = await startServerProcess(env, { cpus: serverCpus });
    servers[mode] = server;
    tokens[mode] = await activate(server, mode);
  }
  // Both servers wait on CPU 0; they take turns, so a noisy neighbour hits both modes alike.
  for (const scenario of scenarios) {
    for (let round = 0; round <= rounds; round++) {
      for (const mode of orderOf(round)) {
        const server = servers[mode]!;
        const requests = [scenario.request(mode, tokens[mode]!)];
        const cpuBefore = await cpuSeconds(server.child.pid!);
        // Round 0 is the warm-up (JIT, pools, the identity cache); it is not counted.
        const result = await fire(`${scenario.label} (${mode})`, {
          url: server.url,
          connections,
          duration: round === 0 ? 2 : duration,
          requests,
        });
        if (round === 0) continue;
        const cpuMicros = ((await cpuSeconds(server.child.pid!)) - cpuBefore) * 1e6;
        const key = `${scenario.label}|${mode}`;
        results.set(key, [
          ...(results.get(key) ?? []),
          { ...result, cpuPerRequest: cpuMicros / result.requests },
        ]);
      }
    }
  }
  console.log(
    '\n| route | req/s none | req/s jwt | req/s jwt, no cache | server CPU µs/req none | jwt | jwt, no cache | p99 ms none / jwt / no cache | non-2xx |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const median = (list: Measured[], pick: (r: Measured) => number) => {
    const sorted = list.map(pick).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  for (const { label } of scenarios) {
    const lists = MODES.map((mode) => results.get(`${label}|${mode}`)!);
    const rates = lists.map((list) => fmt(median(list, (r) => r.reqPerSec)));
    const cpus = lists.map((list) => fmt(median(list, (r) => r.cpuPerRequest)));
    const p99s = lists.map((list) =>
      fmt(
        median(list, (r) => r.latency.p99),
        1,
      ),
    );
    const bad = lists.flat().reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    console.log(`| ${label} | ${rates.join(' | ')} | ${cpus.join(' | ')} | ${p99s.join(' / ')} | ${bad} |`);
  }
  console.log('\nmedians of the rounds; per round (req/s, server CPU µs/request):');
  for (const [key, list] of results) {
    console.log(`  ${key}: ${list.map((r) => `${fmt(r.reqPerSec)} (${fmt(r.cpuPerRequest)})`).join(', ')}`);
  }
  console.log(
    `\nverification alone (CPU µs per JWT, this process): jose HS256 ${fmt(await verifyCost(0), 1)}, ` +
      `from the verified-token cache ${fmt(await verifyCost(60), 1)}`,
  );
} finally {
  for (const server of Object.values(servers)) await server.stop();
  for (const dir of dataDirsList) await fs.rm(dir, { recursive: true, force: true });
}
