import fs from 'node:fs/promises';
import path from 'node:path';

type Log = (message: string) => void;

interface LockRecord {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), so a reused PID is not mistaken for us. */
  startTicks: number | null;
  startedAt: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'stagedoor.lock';

/**
 * One stagedoor per DATA_DIR. The lock file names the owner's PID and start time; a lock
 * whose owner is gone (kill -9, OOM, a crash) is stale and taken over, so a plain restart
 * works. A live owner is refused at once with its PID.
 */
export async function lockDataDir(dataDir: string, log: Log): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockRecord = {
    pid: process.pid,
    startTicks: await startTicksOf(process.pid),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const holder = await readLock(file);
    if (holder && (await isAlive(holder))) {
      throw new Error(
        `DATA_DIR ${dataDir} is in use by stagedoor PID ${holder.pid} (started ${holder.startedAt}); ` +
          'stop that process first, or give this one another DATA_DIR',
      );
    }
    log(
      holder
        ? `taking over the lock of stagedoor PID ${holder.pid}, which is no longer running (started ${holder.startedAt})`
        : `replacing an unreadable lock file ${file}`,
    );
    await fs.rm(file, { force: true });
  }
  return {
    release: async () => {
      const holder = await readLock(file);
      if (holder?.pid === mine.pid && holder.startTicks === mine.startTicks)
        await fs.rm(file, { force: true });
    },
  };
}

async function readLock(file: string): Promise<LockRecord | undefined> {
  try {
    const record = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockRecord>;
    if (typeof record.pid !== 'number') return undefined;
    return { pid: record.pid, startTicks: record.startTicks ?? null, startedAt: String(record.startedAt) };
  } catch {
    return undefined;
  }
}

async function isAlive(record: LockRecord): Promise<boolean> {
  if (!processExists(record.pid)) return false;
  const ticks = await startTicksOf(record.pid);
  // Without /proc we cannot tell a reused PID from the owner: assume the owner, the safe side.
  return ticks === null || record.startTicks === null || ticks === record.startTicks;
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
export async function startTicksOf(pid: number): Promise<number | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/**
 * A PostgreSQL still running on `clusterDir` although no stagedoor holds the DATA_DIR:
 * left behind by an app that died (its watchdog died with it, or was never started).
 * Its PID comes from postmaster.pid and must really be a postgres on this cluster.
 */
export async function orphanedPostmaster(clusterDir: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !processExists(pid)) return undefined;
  try {
    const args = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const isOurs = path.basename(args[0] ?? '') === 'postgres' && args.includes(clusterDir);
    return isOurs ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a postmaster that is not our child: fast shutdown (disconnects sessions, checkpoint),
 * then immediate shutdown if it takes too long. Either way PostgreSQL's crash recovery keeps
 * every committed transaction.
 */
export async function stopPostmaster(pid: number, log: Log): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [
    ['SIGINT', 20_000],
    ['SIGQUIT', 10_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!processExists(pid)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    log(`PostgreSQL PID ${pid} is still running after ${signal}`);
  }
  throw new Error(`could not stop the PostgreSQL left behind (PID ${pid})`);
}
