import { type AppSlot, killApp, type Supervisor, signalApp, startApp } from './apps.js';
import type { ChaosOptions, FaultKind } from './args.js';
import type { PgCluster } from './postgres-cluster.js';
import type { RedisServer } from './redis-server.js';

export interface FaultEvent {
  kind: FaultKind;
  /** The app process it hits (kill, freeze). */
  target?: string;
  plannedAt: number;
  /** When it began and when everything was back (ms since the run started). */
  start?: number;
  end?: number;
  error?: string;
}

export const FAULT_TEXT: Record<FaultKind, string> = {
  kill: 'kill -9 of an app process, then restart it',
  redis: 'Redis killed and restarted empty (1 s down)',
  'pg-fast': 'PostgreSQL stopped -m fast, started after 2 s',
  'pg-immediate': 'PostgreSQL stopped -m immediate (crash), started after 2 s',
  freeze: 'an app process SIGSTOPped for 5 s, then SIGCONT',
};

/** Faults touching a shared store: the other processes cannot route around these. */
export const STORE_FAULTS: FaultKind[] = ['redis', 'pg-fast', 'pg-immediate'];

/** Each chosen fault `rounds` times, in a seeded order, spread over the first 75% of the sale. */
export function planFaults(options: ChaosOptions, random: () => number, appNames: string[]): FaultEvent[] {
  const kinds = Array.from({ length: options.rounds }, () => {
    const round = [...options.faults];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    return round;
  }).flat();
  const first = 4_000;
  const gap = kinds.length ? (options.durationMs * 0.75 - first) / kinds.length : 0;
  return kinds.map((kind, i) => ({
    kind,
    plannedAt: Math.round(first + i * gap),
    ...(kind === 'kill' || kind === 'freeze'
      ? { target: appNames[Math.floor(random() * appNames.length)]! }
      : {}),
  }));
}

export interface FaultTargets {
  apps: AppSlot[];
  supervisor: Supervisor;
  redis: RedisServer;
  pg: PgCluster;
  now(): number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inject(event: FaultEvent, t: FaultTargets): Promise<void> {
  const app = t.apps.find((a) => a.name === event.target);
  switch (event.kind) {
    case 'kill':
      await killApp(app!);
      await startApp(app!, t.supervisor);
      return;
    case 'freeze':
      signalApp(app!, 'SIGSTOP');
      await sleep(5_000);
      signalApp(app!, 'SIGCONT');
      return;
    case 'redis':
      await t.redis.restartEmpty(1_000);
      return;
    case 'pg-fast':
    case 'pg-immediate':
      await t.pg.stop(event.kind === 'pg-fast' ? 'fast' : 'immediate');
      await sleep(2_000);
      await t.pg.start();
      return;
  }
}

/** Runs the schedule in order; a fault that is late (the previous one took long) starts at once. */
export async function runFaults(events: FaultEvent[], targets: FaultTargets): Promise<void> {
  for (const event of events) {
    const wait = event.plannedAt - targets.now();
    if (wait > 0) await sleep(wait);
    event.start = targets.now();
    process.stdout.write(
      `chaos: ${(event.start / 1000).toFixed(1)} s: ${event.kind}${event.target ? ` ${event.target}` : ''}\n`,
    );
    try {
      await inject(event, targets);
    } catch (error) {
      event.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
    event.end = targets.now();
  }
}
