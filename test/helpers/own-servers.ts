import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../load/lib/server-process.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** True when this machine has what the fault tests start: redis-server and PostgreSQL 15's binaries. */
export async function haveOwnServers(): Promise<boolean> {
  try {
    await fs.access('/usr/bin/redis-server');
    await fs.access(`${PG_BIN}/pg_ctl`);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface OwnRedis {
  readonly url: string;
  /** SIGKILL: the data (kept in memory only) is lost. */
  kill(): Promise<void>;
  /** A new, empty server on the same port. */
  start(): Promise<void>;
}

/** A redis-server of the test's own on a free port, no persistence: never the shared one. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-redis-'));
  let child: ChildProcess | undefined;
  const ping = async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG';
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      await waitFor('redis-server', ping);
    },
    async kill() {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child?.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

export interface OwnPostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

/** A PostgreSQL cluster of the test's own (initdb as the postgres user) on a fixed free port. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-pg-'));
  const dataDir = path.join(root, 'data');
  await fs.chmod(root, 0o755);
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/${command}`, ...args]);
  const asOwner =
    process.getuid?.() === 0
      ? asPostgres
      : (command: string, args: string[]) => run(`${PG_BIN}/${command}`, args);
  if (process.getuid?.() === 0) await run('chown', ['postgres', root]);
  await asOwner('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ready = async () => {
    await run(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)]);
    return true;
  };
  const server: OwnPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await asOwner('pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(root, 'log'), '-w', 'start']);
      await waitFor('PostgreSQL', ready);
    },
    async stop() {
      await asOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
    async destroy() {
      await server.stop().catch(() => {});
      await fs.rm(root, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
