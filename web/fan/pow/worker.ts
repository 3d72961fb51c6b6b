import { search } from './sha256.js';

/**
 * The proof-of-work Web Worker (its own bundle, loaded only when a join needs a proof):
 * searches nonces in slices and reports how many it tried after each, so the page can show
 * progress. The page stops it with terminate().
 */
interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<{ challenge: string; difficulty: number }>) => void) | null;
}
const scope = self as unknown as Scope;
const SLICE = 25_000;

scope.onmessage = (event) => {
  const { challenge, difficulty } = event.data;
  const started = performance.now();
  for (let tried = 0; ; tried += SLICE) {
    const found = search(`${challenge}:`, difficulty, tried, SLICE);
    if (found >= 0) {
      const ms = performance.now() - started;
      scope.postMessage({ done: true, proof: `${challenge}:${found}`, tried: found + 1, ms });
      return;
    }
    scope.postMessage({ done: false, tried: tried + SLICE });
  }
};
