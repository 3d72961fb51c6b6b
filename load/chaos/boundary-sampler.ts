import { Redis } from 'ioredis';

/** The store's admission boundary as the harness read it: every seq ≤ boundary was admitted by then. */
export interface BoundarySample {
  /** History time (ms since the run started) when the read was answered. */
  at: number;
  epoch: string;
  boundary: number;
}

/** One admission tick as the store recorded it: its tick time (history ms) and the boundary after it. */
export interface AdmissionRecord {
  at: number;
  boundary: number;
}

export interface StoreAdmissions {
  /** Boundary changes, in the order read. */
  samples: BoundarySample[];
  /** The store's admission history (every tick that admitted), collected across Redis restarts. */
  records: AdmissionRecord[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the room's admission state from outside the app processes every `everyMs`: the
 * per-tick snapshot (its boundary) and the admission history the admission script keeps
 * (tick time and boundary of every admitting tick, for minutes). The history gives when
 * the store admitted each seq, independent of when each process learned it and of this
 * sampler's own pace; the samples give when it was visible at the latest. Reads fail
 * quietly while Redis is down (it restarts empty, in a new epoch).
 */
export function sampleAdmissions(
  redisUrl: string,
  prefix: string,
  room: string,
  now: () => number,
  everyMs = 100,
) {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => 100,
  });
  redis.on('error', () => {});
  // Tick times are wall-clock ms (the app processes' clock); history times count from the run's start.
  const offset = Date.now() - now();
  const samples: BoundarySample[] = [];
  const records = new Map<string, AdmissionRecord>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const [snap, log] = await Promise.all([
          redis.get(`${prefix}{${room}}:snap`),
          redis.zrange(`${prefix}{${room}}:admitted`, '0', '-1', 'WITHSCORES'),
        ]);
        if (snap) {
          const [epoch, , boundary] = snap.split('|');
          const last = samples.at(-1);
          const b = Number(boundary);
          if (!last || last.epoch !== epoch || last.boundary !== b)
            samples.push({ at: now(), epoch: epoch!, boundary: b });
          for (let i = 0; i < log.length; i += 2) {
            const member = log[i]!;
            records.set(`${epoch}/${member}`, {
              at: Number(log[i + 1]) - offset,
              boundary: Number(member.split(':')[2]),
            });
          }
        }
      } catch {
        // Redis down or restarting: nothing to read.
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<StoreAdmissions> {
      running = false;
      await loop;
      redis.disconnect();
      return { samples, records: [...records.values()].sort((a, b) => a.at - b.at) };
    },
  };
}

/**
 * When the store admitted seq: `recorded`, the tick time of the first admission record whose
 * boundary reached it (a lower bound: the tick's clock is read when the tick starts); `seen`,
 * when the harness first read a boundary at or past it (an upper bound, up to a sampling step late).
 */
export function storeAdmittedAt(store: StoreAdmissions, seq: number) {
  const recorded = store.records.find((r) => r.boundary >= seq)?.at;
  const seen = store.samples.find((s) => s.boundary >= seq)?.at;
  return { recorded, seen, at: recorded ?? seen };
}
