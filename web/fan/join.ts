import { ApiError, call } from '../shared/api.js';
import { type Challenge, solveChallenge } from './pow/client.js';

export interface Issued {
  token: string;
  status: 'WAITING' | 'ACTIVE' | 'PRE_QUEUE';
  position?: number;
  opensAt?: string;
  expiresAt: string;
  entrant?: { salt: string; hash: string };
}

const PROOF_CODES = new Set(['PROOF_REQUIRED', 'PROOF_INVALID']);

/**
 * Joins the sale's own waiting room. When the server asks for a proof of work (428
 * PROOF_REQUIRED), or refuses one (400 PROOF_INVALID: expired, used), a fresh challenge is
 * solved in a Web Worker and the join is sent again, a few times at most. The worker's
 * script is fetched only then (it is not part of the first page).
 */
export async function joinLine(
  userId: number,
  concertId: number,
  checking: (share: number | null) => void,
): Promise<Issued> {
  const body = { userId, concertId };
  let proof: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const headers: Record<string, string> = proof ? { 'x-queue-proof': proof } : {};
      return await call<Issued>('/waiting/issue', { method: 'POST', body, headers });
    } catch (error) {
      if (!(error instanceof ApiError && PROOF_CODES.has(error.code)) || attempt >= 3) throw error;
    } finally {
      checking(null);
    }
    checking(0);
    const challenge = await call<Challenge>('/waiting/challenge');
    try {
      proof = (await solveChallenge(challenge, checking)).proof;
    } catch {
      proof = undefined; // expired while solving: the next round fetches a new challenge
    }
  }
}
