/**
 * npm run profile:route [-- --route check[,health,issue,schedules,seats] --seconds 10 --users 20000 --tokens 5000
 *   --no-profile --baseline /work/main --rounds 3]
 *
 * Where a hot route's time goes: starts the real server (embedded PostgreSQL, memory queue,
 * pinned to CPU 0 like the load test) under `node --cpu-prof`, fires autocannon at the route
 * from CPU 1, then reads the profile back: self time by function and the inclusive time of the
 * request's stages (hooks, handler, serialization, HTTP write). Also runs the bare Fastify route
 * in the same run, so the req/s figure has its yardstick next to it. The profile is kept in
 * load/reports/profiles/ for `chrome://inspect` or speedscope. With --baseline, another checkout's
 * server runs the same routes, alternating with this one for --rounds rounds: a before/after in
 * one run. Server CPU per request (from /proc) is printed next to req/s: on a shared machine it
 * moves far less than req/s with what else runs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { allSchedules } from './lib/api.js';
import { type CannonOptions, fire, fmt } from './lib/cannon.js';
import { removeDataDir } from './lib/embedded-db.js';
import { type ServerProcess, startServerProcess } from './lib/server-process.js';

const { values: args } = parseArgs({
  options: {
    route: { type: 'string', default: 'check' },
    seconds: { type: 'string', default: '10' },
    users: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '100' },
    'no-profile': { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    inclusive: { type: 'boolean', default: false },
    // Another checkout (e.g. /work/main) run side by side with this one, round after round.
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    tokens: { type: 'string', default: '5000' },
  },
});
const seconds = Number(args.seconds);
const users = Number(args.users);
const connections = Number(args.connections);
const profile = !args['no-profile'];

const twoCores = os.availableParallelism() >= 2;
if (twoCores) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const cpus = twoCores ? '0' : undefined;

/** User and system CPU seconds of a process so far (from /proc, 10-ms ticks). */
function cpuSeconds(pid: number | undefined): { user: number; system: number } {
  if (pid === undefined) return { user: Number.NaN, system: Number.NaN };
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Fires the run and says what the server's CPU paid per request: noise from other processes hardly moves it. */
async function measure(pid: number | undefined, title: string, options: CannonOptions) {
  const before = cpuSeconds(pid);
  const result = await fire(title, options);
  const after = cpuSeconds(pid);
  const per = (seconds: number) => (seconds * 1e6) / Math.max(result.requests, 1);
  return {
    result,
    userUs: per(after.user - before.user),
    systemUs: per(after.system - before.system),
  };
}

const describeRun = (name: string, run: Awaited<ReturnType<typeof measure>>) =>
  `${name}: ${fmt(run.result.reqPerSec)} req/s, p99 ${run.result.latency.p99} ms, server CPU per request ` +
  `${fmt(run.userUs + run.systemUs, 1)} µs (user ${fmt(run.userUs, 1)}, system ${fmt(run.systemUs, 1)})`;

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive time (ms) by function, and total sampled time. */
function analyse(prof: CpuProfile, window: { from: number; to: number }) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Only the measured run: sample times are CLOCK_MONOTONIC µs, the clock of process.hrtime here.
  const selfMs = new Map<number, number>();
  let time = prof.startTime;
  prof.samples.forEach((id, i) => {
    const delta = prof.timeDeltas[i] ?? 0;
    time += delta;
    if (time < window.from || time > window.to) return;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
  });
  const label = (n: CpuNode) => {
    const file = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|load)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
  };
  // The owner of a sample: the innermost frame of a package or of our code (Node's own http, net,
  // events and stream code is charged to whoever called it), so the table reads by stage.
  const ownerOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      if (at === id && /^\(/.test(functionName)) return functionName; // (idle), (garbage collector), (program)
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
      if (pkg) return pkg;
      const own = /\/((?:src|load)\/.*)$/.exec(url)?.[1];
      if (own) return own;
    }
    return 'node internals (no caller of ours)';
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const owners = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    total += ms;
    const owner = ownerOf(id);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    // Each function counts once per stack, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  return { self, inclusive, owners, total };
}

function printTop(title: string, table: Map<string, number>, total: number, top: number) {
  console.log(`\n${title}`);
  const rows = [...table].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, ms] of rows) console.log(`${fmt((ms / total) * 100, 1).padStart(6)}%  ${name}`);
}

async function bareRun() {
  const bareServer = await startServerProcess({}, { entry: 'load/lib/bare-server.ts', cpus });
  try {
    await fire('warm-up', { url: `${bareServer.url}/bare`, connections, duration: 2 });
    return await measure(bareServer.child.pid, 'bare', {
      url: `${bareServer.url}/bare`,
      connections,
      duration: seconds,
    });
  } finally {
    await bareServer.stop();
  }
}

interface AppServer {
  label: string;
  server: ServerProcess;
  dataDir: string;
  requests: Record<string, autocannon.Request[]>;
}

/** The app (this checkout's, or the one at `root`) on a fresh embedded database, with waiting tokens. */
async function startApp(label: string, root: string, nodeFlags: string[]): Promise<AppServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-prof-'));
  const server = await startServerProcess(
    {
      DATA_DIR: dataDir,
      SEED_USERS: String(users),
      LOG_LEVEL: 'warn',
      QUEUE_ADMIT_PER_TICK: '100',
      QUEUE_MAX_ACTIVE: '100',
      QUEUE_IDLE_TIMEOUT_SECONDS: '600',
      QUEUE_TOKEN_SECRET: randomBytes(24).toString('base64url'),
    },
    { cpus, nodeFlags, entry: path.join(root, 'src/server.ts') },
  );
  const tokens: string[] = [];
  let nextUser = 0;
  await fire('issue', {
    url: server.url,
    connections,
    amount: Math.min(users, Number(args.tokens)),
    requests: [
      {
        method: 'POST',
        path: '/waiting/issue',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ userId: ++nextUser }) }),
        onResponse: (status, body) => {
          if (status === 200) tokens.push((JSON.parse(body) as { token: string }).token);
        },
      },
    ],
  });
  const schedules = await allSchedules(server.url);
  const first = schedules[0]!;
  let next = 0;
  const requests: Record<string, autocannon.Request[]> = {
    check: [
      {
        method: 'GET',
        path: '/waiting/check',
        setupRequest: (r) => ({ ...r, headers: { 'x-queue-token': tokens[next++ % tokens.length]! } }),
      },
    ],
    issue: [
      {
        method: 'POST',
        path: '/waiting/issue',
        headers: { 'content-type': 'application/json' },
        setupRequest: (r) => ({ ...r, body: JSON.stringify({ userId: (next++ % users) + 1 }) }),
      },
    ],
    // The app's whole pipeline (every hook) around a handler that does nothing.
    health: [{ method: 'GET', path: '/health' }],
    schedules: [{ method: 'GET', path: `/concerts/${first.concertId}/schedules` }],
    seats: [{ method: 'GET', path: `/concerts/${first.concertId}/schedules/${first.scheduleId}/seats` }],
  };
  return { label, server, dataDir, requests };
}

async function main() {
  const routes = args.route.split(',');
  const runs: { name: string; run: Awaited<ReturnType<typeof measure>>; from: number; to: number }[] = [];
  runs.push({ name: 'bare', run: await bareRun(), from: 0, to: 0 });

  const profDir = path.resolve('load/reports/profiles');
  await fs.mkdir(profDir, { recursive: true });
  const before = new Set(await fs.readdir(profDir));
  const apps: AppServer[] = [];
  if (args.baseline) apps.push(await startApp('baseline', path.resolve(args.baseline), []));
  const self = await startApp(
    args.baseline ? 'this' : '',
    process.cwd(),
    profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  );
  apps.push(self);
  const serverPid = self.server.child.pid;
  try {
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const app of apps) {
        for (const name of routes) {
          const chosen = app.requests[name];
          if (!chosen) throw new Error(`--route: any of ${Object.keys(app.requests).join(', ')}`);
          await fire('warm-up', { url: app.server.url, connections, duration: 2, requests: chosen });
          const from = Number(process.hrtime.bigint() / 1000n);
          const run = await measure(app.server.child.pid, name, {
            url: app.server.url,
            connections,
            duration: seconds,
            requests: chosen,
          });
          const label = app.label ? `${name} (${app.label})` : name;
          runs.push({ name: label, run, from, to: Number(process.hrtime.bigint() / 1000n) });
        }
      }
    }
  } finally {
    for (const app of apps) {
      await app.server.stop();
      await removeDataDir(app.dataDir);
    }
  }
  runs.push({ name: 'bare (again)', run: await bareRun(), from: 0, to: 0 });
  const bareCpu =
    (runs[0]!.run.userUs + runs[0]!.run.systemUs + runs.at(-1)!.run.userUs + runs.at(-1)!.run.systemUs) / 2;
  const bareRate = (runs[0]!.run.result.reqPerSec + runs.at(-1)!.run.result.reqPerSec) / 2;
  console.log(profile ? "\nthis checkout's server ran under --cpu-prof (the others did not)" : '');
  for (const { name, run } of runs) {
    const cpu = run.userUs + run.systemUs;
    console.log(
      `${describeRun(name, run)}; vs bare: ${fmt((run.result.reqPerSec / bareRate) * 100)}% by req/s, ` +
        `${fmt((bareCpu / cpu) * 100)}% by CPU per request (non-2xx ${run.result.non2xx}, errors ${run.result.errors})`,
    );
  }
  if (!profile) return;
  // The server's own profile (CPU.<date>.<time>.<pid>.…), not one of a child process of tsx's.
  const written = (await fs.readdir(profDir)).filter(
    (f) => !before.has(f) && f.endsWith('.cpuprofile') && f.split('.')[3] === String(serverPid),
  );
  for (const file of written) {
    const prof = JSON.parse(await fs.readFile(path.join(profDir, file), 'utf8')) as CpuProfile;
    for (const { name, from, to } of runs.filter((r) => r.to > 0 && !r.name.endsWith('(baseline)'))) {
      const { self, inclusive, owners, total } = analyse(prof, { from, to });
      console.log(`\n=== ${name}: profile ${path.join(profDir, file)}, ${fmt(total)} ms sampled`);
      printTop('by owner (innermost package or file of ours on the stack)', owners, total, Number(args.top));
      printTop('self time', self, total, Number(args.top));
      if (args.inclusive) printTop('inclusive time', inclusive, total, Number(args.top));
    }
  }
}

await main();
