import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { clusterDirOf } from '../../load/lib/embedded-db.js';
import type { EmbeddedOptions } from '../../src/db/embedded.js';

export { clusterDirOf };

const created: string[] = [];

/** CI points EMBEDDED_PG_RUNTIME_DIR at a directory of the run's own, removed afterwards. */
export const embeddedOptions = (): EmbeddedOptions => ({ runtimeDir: process.env.EMBEDDED_PG_RUNTIME_DIR });

/** A new directory as `mktemp -d` makes it: owned by the current user, mode 700. */
export async function privateDir(prefix = 'sd-embedded-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o700);
  created.push(dir);
  return dir;
}

/** PIDs of processes whose command line names `needle` (a cluster directory, the watchdog's name). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes the test's directories and any cluster they placed outside themselves. */
export async function removePrivateDirs(): Promise<void> {
  for (const dir of created.splice(0)) {
    for (const dataDir of await dataDirsUnder(dir)) {
      const cluster = await clusterDirOf(dataDir);
      if (!cluster.startsWith(dir)) await fs.rm(cluster, { recursive: true, force: true });
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function dataDirsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.name === 'pg-location') found.push(entry.parentPath);
  }
  return found;
}
