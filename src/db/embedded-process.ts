import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunAs } from './embedded-layout.js';

export interface PostgresSpec {
  nativeDir: string;
  clusterDir: string;
  runAs: RunAs | undefined;
  /** PostgreSQL's own log (stderr), appended to across starts. */
  logFile: string;
}

export interface RunningPostgres {
  readonly pid: number;
  /** Fast shutdown and wait; the watchdog is ended first so that it cannot signal a reused PID. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** `initdb` into an empty or missing cluster directory, as the account PostgreSQL will run as. */
export async function initCluster(spec: PostgresSpec, user: string, password: string): Promise<void> {
  await fs.mkdir(spec.clusterDir, { recursive: true, mode: 0o700 });
  if (spec.runAs) await fs.chown(spec.clusterDir, spec.runAs.uid, spec.runAs.gid);
  // initdb reads the password from a file; it sits beside the cluster, readable by its owner only.
  const pwFile = path.join(path.dirname(spec.clusterDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (spec.runAs) await fs.chown(pwFile, spec.runAs.uid, spec.runAs.gid);
    const args = [
      `--pgdata=${spec.clusterDir}`,
      '--auth=scram-sha-256',
      `--username=${user}`,
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ];
    const code = await run(path.join(spec.nativeDir, 'bin', 'initdb'), args, spec);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}); see ${spec.logFile}`);
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

/**
 * Starts the postmaster in a process group of its own (a Ctrl-C meant for the app must not
 * stop the database under requests still in flight) and, beside it, a watchdog: a shell
 * that blocks reading a pipe from this process. When this process dies in any way, even
 * by SIGKILL, the kernel closes the pipe, the read returns, and the watchdog shuts the
 * postmaster down, so an embedded PostgreSQL never outlives its app for long.
 */
export async function startPostgres(spec: PostgresSpec, flags: string[]): Promise<RunningPostgres> {
  const log = await fs.open(spec.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(
      path.join(spec.nativeDir, 'bin', 'postgres'),
      ['-D', spec.clusterDir, '-c', 'lc_messages=C', ...flags],
      { ...ids(spec.runAs), env: pgEnv(), detached: true, stdio: ['ignore', log.fd, log.fd] },
    );
    await once(child, 'spawn');
  } finally {
    await log.close();
  }
  const pid = child.pid!;
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'stagedoor-pg-watchdog', String(pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => {}); // no /bin/sh: the app still stops PostgreSQL on a clean exit
  // Neither child keeps the app alive; the pipe's write end stays open as long as this process.
  child.unref();
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilReady(spec, child, exited);
  } catch (error) {
    watchdog.kill('SIGKILL');
    child.kill('SIGQUIT');
    throw error;
  }
  return {
    pid,
    stop: async () => {
      watchdog.kill('SIGKILL');
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// $1: the postmaster's PID. `read` returns when the app's end of the pipe closes.
const WATCHDOG = `
read _ignored
kill -INT "$1" 2>/dev/null || exit 0
i=0
while kill -0 "$1" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -eq 200 ]; then kill -QUIT "$1" 2>/dev/null; fi
  sleep 0.1
done
`;

/** postmaster.pid's last line turns to "ready" once the server accepts connections (PostgreSQL ≥ 10). */
async function waitUntilReady(spec: PostgresSpec, child: ChildProcess, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(
        `embedded PostgreSQL in ${spec.clusterDir} exited at start (code ${child.exitCode}):\n${await tail(spec.logFile)}`,
      );
    }
    const pidFile = await fs.readFile(path.join(spec.clusterDir, 'postmaster.pid'), 'utf8').catch(() => '');
    const lines = pidFile.trim().split('\n');
    if (Number(lines[0]) === child.pid && lines.at(-1)?.trim() === 'ready') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(
    `embedded PostgreSQL in ${spec.clusterDir} was not ready within 60 s:\n${await tail(spec.logFile)}`,
  );
}

async function run(file: string, args: string[], spec: PostgresSpec): Promise<number | null> {
  const log = await fs.open(spec.logFile, 'a', 0o600);
  try {
    const child = spawn(file, args, { ...ids(spec.runAs), env: pgEnv(), stdio: ['ignore', log.fd, log.fd] });
    const [code] = (await once(child, 'exit')) as [number | null];
    return code;
  } finally {
    await log.close();
  }
}

const ids = (runAs: RunAs | undefined) => (runAs ? { uid: runAs.uid, gid: runAs.gid } : {});

/** A small, predictable environment: English messages, no inherited PG* settings. */
function pgEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-15).join('\n');
}
