/** Set by web/build.mjs: the hashed URL of the worker's own bundle (fetched only when needed). */
declare const __POW_WORKER__: string;

export interface Challenge {
  challenge: string;
  difficulty: number;
  expiresAt: string;
  required: boolean;
}

export interface Solved {
  proof: string;
  tried: number;
  ms: number;
}

/**
 * Solves a challenge in a Web Worker; `progress` gets the share of the expected work done
 * (0..0.99: the search is random, it may take longer than expected). Rejects after the
 * challenge's expiry (the caller fetches a new one).
 */
export function solveChallenge(c: Challenge, progress: (share: number) => void): Promise<Solved> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__POW_WORKER__);
    const expected = 2 ** c.difficulty;
    const timer = setTimeout(
      () => {
        worker.terminate();
        reject(new Error('challenge expired'));
      },
      Math.max(1000, Date.parse(c.expiresAt) - Date.now() - 2000),
    );
    worker.onmessage = (event: MessageEvent<{ done: boolean; tried: number } & Partial<Solved>>) => {
      const m = event.data;
      if (!m.done) return progress(Math.min(0.99, m.tried / expected));
      clearTimeout(timer);
      worker.terminate();
      progress(1);
      resolve({ proof: m.proof ?? '', tried: m.tried, ms: m.ms ?? 0 });
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(event.message || 'worker failed'));
    };
    worker.postMessage({ challenge: c.challenge, difficulty: c.difficulty });
  });
}
