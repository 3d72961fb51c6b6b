import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Proof-of-work on joining (QUEUE_POW_DIFFICULTY > 0). A challenge is stateless and signed:
 * `<id>.<difficulty>.<expiresAt base36>.<HMAC-SHA256 of the rest, base64url>`. A solution
 * is a decimal nonce such that SHA-256("<challenge>:<nonce>") starts with `difficulty`
 * zero bits; it is sent as `X-Queue-Proof: <challenge>:<nonce>`. Checking costs one HMAC
 * and one SHA-256; that each challenge is used once is settled by the caller (a row per
 * used challenge id).
 */
export interface Challenge {
  challenge: string;
  difficulty: number;
  expiresAt: number;
}

export type ProofCheck =
  | { ok: true; id: string; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong' };

const SHAPE = /^([\w-]{22})\.(\d{1,2})\.([0-9a-z]{1,11})\.([\w-]{43}):(\d{1,16})$/;

export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export function createProofOfWork(secret: string, ttlMs: number) {
  const mac = (payload: string) => createHmac('sha256', `pow:${secret}`).update(payload).digest('base64url');
  return {
    issue(difficulty: number, now: number): Challenge {
      const expiresAt = now + ttlMs;
      const payload = `${randomBytes(16).toString('base64url')}.${difficulty}.${expiresAt.toString(36)}`;
      return { challenge: `${payload}.${mac(payload)}`, difficulty, expiresAt };
    },
    check(proof: string, minDifficulty: number, now: number): ProofCheck {
      const match = SHAPE.exec(proof);
      if (!match) return { ok: false, reason: 'malformed' };
      const [, id, difficulty, expires, signature, nonce] = match as unknown as string[];
      const payload = `${id}.${difficulty}.${expires}`;
      const expected = Buffer.from(mac(payload));
      const given = Buffer.from(signature!);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'forged' };
      const expiresAt = Number.parseInt(expires!, 36);
      if (expiresAt <= now) return { ok: false, reason: 'expired' };
      if (Number(difficulty) < minDifficulty) return { ok: false, reason: 'wrong' };
      const digest = createHash('sha256').update(`${payload}.${signature}:${nonce}`).digest();
      if (leadingZeroBits(digest) < Number(difficulty)) return { ok: false, reason: 'wrong' };
      return { ok: true, id: id!, expiresAt };
    },
  };
}

/** Finds a nonce (what a client does; the fan's browser would do it in a Web Worker). */
export function solve(challenge: string, difficulty: number): string {
  for (let nonce = 0; ; nonce++) {
    const digest = createHash('sha256').update(`${challenge}:${nonce}`).digest();
    if (leadingZeroBits(digest) >= difficulty) return `${challenge}:${nonce}`;
  }
}
