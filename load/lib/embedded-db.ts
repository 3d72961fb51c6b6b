import fs from 'node:fs/promises';
import path from 'node:path';
import { connect, type Database } from '../../src/db/client.js';

/** The cluster a DATA_DIR uses: `DATA_DIR/pg`, or the one its `pg-location` names (root, private dir). */
export async function clusterDirOf(dataDir: string): Promise<string> {
  const pointed = await fs.readFile(path.join(dataDir, 'pg-location'), 'utf8').catch(() => '');
  return pointed.trim() || path.join(dataDir, 'pg');
}

/** A connection to the database of an embedded server started with this DATA_DIR (for checks and set-up). */
export async function openEmbeddedDatabase(dataDir: string, max = 2): Promise<Database> {
  const password = (await fs.readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
  const host = await clusterDirOf(dataDir);
  return connect({ host, port: 5432, user: 'postgres', password, database: 'stagedoor' }, { max });
}

/**
 * Removes a DATA_DIR of a run that is over, and its cluster when that lives outside it (as root,
 * under the runtime directory): removing the directory alone would leave the cluster behind.
 */
export async function removeDataDir(dataDir: string): Promise<void> {
  const cluster = await clusterDirOf(dataDir);
  if (!cluster.startsWith(dataDir)) await fs.rm(cluster, { recursive: true, force: true });
  await fs.rm(dataDir, { recursive: true, force: true });
}
