import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allSchedules, type IssuedToken, waitForActive } from '../../load/lib/api.js';
import { openEmbeddedDatabase } from '../../load/lib/embedded-db.js';
import { freePort, type ServerProcess, startServerProcess } from '../../load/lib/server-process.js';
import { SEAT_PRICE } from '../../src/db/seed.js';
import {
  clusterDirOf,
  privateDir,
  processesMentioning,
  removePrivateDirs,
  waitFor,
} from '../helpers/embedded.js';
import { ledgerMismatches } from '../helpers/ledger.js';
import { range } from '../helpers/requests.js';

// A test that fails half-way must not leave its servers running (its PostgreSQL follows the app).
const started: ServerProcess[] = [];
async function start(...args: Parameters<typeof startServerProcess>): Promise<ServerProcess> {
  const server = await startServerProcess(...args);
  started.push(server);
  return server;
}
afterAll(async () => {
  for (const server of started)
    if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGTERM');
  await removePrivateDirs();
});

const USERS = 150;
const env = (dataDir: string) => ({
  DATA_DIR: dataDir,
  SEED_USERS: String(USERS),
  QUEUE_TICK_MS: '100',
  QUEUE_ADMIT_PER_TICK: '1000',
  LOG_LEVEL: 'info',
});

async function send(
  base: string,
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * As a careful client: a 503 (the shared machine busy, a lock not granted in time) is asked
 * again with the same Idempotency-Key after its Retry-After, a few times.
 */
async function sendRetrying(...args: Parameters<typeof send>): ReturnType<typeof send> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send(...args);
    if (answer.status !== 503 || attempt === 5) return answer;
    const retryAfter = Number(answer.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 2) * 1000));
  }
}

/** Tokens of active users: issue, then poll until admitted. */
async function activeTokens(base: string, userIds: number[]): Promise<Map<number, string>> {
  const issued: IssuedToken[] = [];
  for (const userId of userIds) {
    const { body } = await send(base, 'POST', '/waiting/issue', { userId }, {});
    issued.push({ userId, token: String(body.token) });
  }
  const active = await waitForActive(base, issued, issued.length, 30_000);
  return new Map(active.map(({ userId, token }) => [userId, token]));
}

/** The watchdog shell of a postmaster: `sh -c … stagedoor-pg-watchdog <pid>`. */
async function watchdogOf(postmasterPid: number): Promise<number[]> {
  const watchdogs = await processesMentioning('stagedoor-pg-watchdog');
  const mine: number[] = [];
  for (const pid of watchdogs) {
    const args = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.includes(String(postmasterPid))) mine.push(pid);
  }
  return mine;
}

async function postmasterPid(dataDir: string): Promise<number> {
  const pidFile = path.join(await clusterDirOf(dataDir), 'postmaster.pid');
  return Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
}

describe('the embedded default after the app dies', () => {
  it('comes back after kill -9 in a burst of payments: acknowledged ones replay, the rest apply once', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    let server: ServerProcess = await start(env(dataDir));
    const users = range(1, USERS);
    const schedules = await allSchedules(server.url);
    let tokens = await activeTokens(server.url, users);
    const reservationOf = new Map<number, string>();
    await Promise.all(
      users.map(async (userId, i) => {
        const schedule = schedules[i % schedules.length]!;
        const seatNumber = Math.floor(i / schedules.length) + 1;
        const token = tokens.get(userId)!;
        const held = await sendRetrying(
          server.url,
          'POST',
          '/reservations',
          { userId, ...schedule, seatNumber },
          {
            'x-queue-token': token,
            'idempotency-key': `hold-${userId}`,
          },
        );
        expect(held.status).toBe(201);
        reservationOf.set(userId, String(held.body.reservationId));
        const charged = await sendRetrying(
          server.url,
          'PATCH',
          `/users/${userId}/charge`,
          { amount: 50_000 },
          {
            'x-queue-token': token,
            'idempotency-key': `charge-${userId}`,
          },
        );
        expect(charged.status).toBe(200);
      }),
    );

    // Every user pays at once; the process dies by SIGKILL once a fifth have been answered.
    const acknowledged = new Map<number, string>();
    const payment = (userId: number) => ({ reservationId: reservationOf.get(userId), amount: SEAT_PRICE });
    const burst = users.map(async (userId) => {
      try {
        const paid = await send(server.url, 'POST', '/payments', payment(userId), {
          'x-queue-token': tokens.get(userId)!,
          'idempotency-key': `pay-${userId}`,
        });
        if (paid.status === 201) acknowledged.set(userId, String(paid.body.paymentId));
        if (acknowledged.size === USERS / 5) server.child.kill('SIGKILL');
      } catch {
        // cut off by the kill: not acknowledged
      }
    });
    await Promise.all(burst);
    expect(acknowledged.size).toBeGreaterThanOrEqual(USERS / 5);
    expect(acknowledged.size).toBeLessThan(USERS);

    // A plain restart comes up on its own, whatever the dead app left behind.
    server = await start(env(dataDir));
    tokens = await activeTokens(server.url, users);
    for (const userId of users) {
      const retried = await sendRetrying(server.url, 'POST', '/payments', payment(userId), {
        'x-queue-token': tokens.get(userId)!,
        'idempotency-key': `pay-${userId}`,
      });
      expect(retried.status, JSON.stringify(retried.body)).toBe(201);
      const known = acknowledged.get(userId);
      if (known !== undefined) {
        expect(retried.body.paymentId).toBe(known);
        expect(retried.headers.get('idempotent-replayed')).toBe('true');
      }
    }

    const database = await openEmbeddedDatabase(dataDir);
    try {
      const perUser = await database.sql<{ user_id: number; payments: number; balance: number }[]>`
        SELECT u.id AS user_id, u.balance, (SELECT count(*)::int FROM payments p WHERE p.user_id = u.id) AS payments
        FROM users u ORDER BY u.id`;
      for (const row of perUser) {
        expect(row, `user ${row.user_id}`).toMatchObject({ payments: 1, balance: 100_000 - SEAT_PRICE });
      }
      expect(await ledgerMismatches(database)).toBe(0);
      const [twice] = await database.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (SELECT reservation_id FROM payments GROUP BY 1 HAVING count(*) > 1) t`;
      expect(twice!.n).toBe(0);
    } finally {
      await database.close();
    }
    const cluster = await clusterDirOf(dataDir);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await processesMentioning(cluster)).toEqual([]);
  }, 180_000);

  it('stops its PostgreSQL when killed during start-up, and the next start completes the set-up', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env(dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Killed between "PostgreSQL is up" and listening: migrations and the seed are under way.
    await new Promise<void>((resolve) => {
      const watch = (chunk: Buffer) => {
        if (chunk.toString().includes('embedded PostgreSQL ready')) {
          child.kill('SIGKILL');
          resolve();
        }
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
    });
    const cluster = await clusterDirOf(dataDir);
    await waitFor(
      'the watchdog to stop PostgreSQL',
      async () => (await processesMentioning(cluster)).length === 0,
    );

    const server = await start(env(dataDir));
    const issued = await send(server.url, 'POST', '/waiting/issue', { userId: USERS }, {});
    expect(issued.status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await processesMentioning(cluster)).toEqual([]);
  }, 120_000);

  it('shuts down a PostgreSQL whose app and watchdog both died, then starts; a live app is refused at once', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    const first = await start(env(dataDir));
    // A second app on the same DATA_DIR is refused at once, with the holder's PID.
    await expect(start(env(dataDir))).rejects.toThrow(
      new RegExp(`in use by stagedoor PID ${first.child.pid}\\b`),
    );

    const orphan = await postmasterPid(dataDir);
    for (const pid of await watchdogOf(orphan)) process.kill(pid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await processesMentioning(await clusterDirOf(dataDir))).toContain(orphan); // left behind

    const second = await start(env(dataDir));
    expect(second.output()).toContain(`found PostgreSQL PID ${orphan} still running`);
    expect(second.output()).toContain('taking over the lock of stagedoor PID');
    const issued = await send(second.url, 'POST', '/waiting/issue', { userId: 1 }, {});
    expect(issued.status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(await processesMentioning(await clusterDirOf(dataDir))).toEqual([]);
  }, 120_000);
});
