/** Command line of `npm run chaos`. */
export const FAULT_KINDS = ['kill', 'redis', 'pg-fast', 'pg-immediate', 'freeze'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  quick: boolean;
  faults: FaultKind[];
  seed: number;
  /** Simulated fans (one user each), arriving spread over the first 80% of the run. */
  fans: number;
  /** Length of the sale (the fault schedule fits in it), ms. */
  durationMs: number;
  /** How many times each chosen fault runs. */
  rounds: number;
  apps: number;
  /** Also write every recorded request and answer here, as JSON. */
  historyFile: string | undefined;
}

const USAGE = `usage: npm run chaos -- [--quick] [--faults kill,redis,pg-fast,pg-immediate,freeze|none]
                      [--seed N] [--fans N] [--duration SECONDS] [--rounds N] [--apps N]
                      [--history FILE.json]`;

export function parseArgs(argv: string[]): ChaosOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'quick' || name === 'help') flags.set(name, 'true');
    else flags.set(name, inline ?? argv[++i] ?? '');
  }
  if (flags.has('help')) throw new Error(USAGE);
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    const value = flags.has(name) ? Number(flags.get(name)) : fallback;
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number\n${USAGE}`);
    return value;
  };
  const faultList = flags.get('faults') ?? FAULT_KINDS.join(',');
  const faults = faultList === 'none' ? [] : faultList.split(',').map((f) => f.trim());
  for (const fault of faults) {
    if (!(FAULT_KINDS as readonly string[]).includes(fault))
      throw new Error(`unknown fault ${fault}\n${USAGE}`);
  }
  return {
    quick,
    faults: faults as FaultKind[],
    seed: number('seed', Math.floor(Math.random() * 2 ** 31)),
    fans: number('fans', quick ? 150 : 1000),
    durationMs: number('duration', quick ? 26 : 240) * 1000,
    rounds: number('rounds', quick ? 1 : 3),
    apps: Math.max(2, number('apps', 2)),
    historyFile: flags.get('history'),
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fans, seats and fault targets. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
