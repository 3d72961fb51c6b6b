import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/** A PostgreSQL cluster of the run's own, from the machine's binaries, that can be stopped and started. */
export interface PgCluster {
  readonly url: string;
  start(): Promise<void>;
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

/** PostgreSQL refuses to run as root: then every binary runs as the `postgres` user. */
const asRoot = process.getuid?.() === 0;
const pgCommand = (binary: string, args: string[]): [string, string[]] =>
  asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(BIN, binary), ...args]]
    : [path.join(BIN, binary), args];

async function pg(binary: string, args: string[]): Promise<string> {
  const [command, argv] = pgCommand(binary, args);
  const { stdout } = await run(command, argv, { timeout: 120_000 });
  return stdout;
}

export async function createPgCluster(dir: string, port: number): Promise<PgCluster> {
  const data = path.join(dir, 'pg');
  const sockets = path.join(dir, 'sock');
  await fs.mkdir(sockets, { recursive: true });
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', dir]);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  // fsync off: the faults kill processes, never the machine, so the OS still has every write.
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=80`;
  let running = false;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await pg('pg_ctl', [
        '-D',
        data,
        '-l',
        path.join(dir, 'pg.log'),
        '-w',
        '-t',
        '120',
        '-o',
        options,
        'start',
      ]);
      running = true;
    },
    async stop(mode) {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
