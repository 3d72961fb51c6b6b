import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { AppError, badRequest } from '../../errors.js';
import { problems } from '../../http/schemas.js';
import { createProofOfWork } from './pow.js';

export interface PowDeps {
  sql: Sql;
  clock: Clock;
  secret: string;
  /** QUEUE_POW_DIFFICULTY; 0: off (the challenge route still answers, the issue asks no proof). */
  difficulty: number;
}

const TTL_MS = 120_000;

export const ChallengeReply = Type.Object(
  {
    challenge: Type.String({ description: 'Signed, stateless; valid until expiresAt.' }),
    difficulty: Type.Integer({ description: 'Leading zero bits SHA-256("<challenge>:<nonce>") must have.' }),
    expiresAt: Type.String({ format: 'date-time' }),
    required: Type.Boolean({ description: 'Whether POST /waiting/issue asks for a proof now.' }),
  },
  {
    examples: [
      {
        challenge: 'q0Zb3m1tVQyq0iQkqgS3Jg.18.mhzq1kx0.dH1Kq2F9yS5bM3oQ0pV7cW4xE8rT6uI2aS1dF0gH9jK',
        difficulty: 18,
        expiresAt: '2026-11-22T10:02:00.000Z',
        required: true,
      },
    ],
  },
);

/** Proof-of-work on joining: the challenge route and the issue route's guard. */
export function createPow({ sql, clock, secret, difficulty }: PowDeps) {
  const pow = createProofOfWork(secret, TTL_MS);
  let inserts = 0;

  /** Records the challenge as used; false when it was used before. */
  async function useOnce(id: string, expiresAt: number): Promise<boolean> {
    if (++inserts % 1000 === 0)
      await sql`DELETE FROM used_queue_proofs WHERE expires_at < ${new Date(clock.now())}`;
    const rows = await sql`
      INSERT INTO used_queue_proofs (challenge_id, expires_at) VALUES (${id}, ${new Date(expiresAt)})
      ON CONFLICT DO NOTHING RETURNING 1`;
    return rows.length === 1;
  }

  const guard: preHandlerAsyncHookHandler = async (request) => {
    if (difficulty === 0) return;
    const header = request.headers['x-queue-proof'];
    const proof = Array.isArray(header) ? header[0] : header;
    if (!proof) {
      throw new AppError(
        'PROOF_REQUIRED',
        428,
        'Joining needs a proof of work: GET /waiting/challenge, solve it, send X-Queue-Proof.',
      );
    }
    const checked = pow.check(proof, difficulty, clock.now());
    if (!checked.ok) throw badRequest('PROOF_INVALID', `The proof of work is ${checked.reason}.`);
    if (!(await useOnce(checked.id, checked.expiresAt)))
      throw badRequest('PROOF_INVALID', 'This proof of work was used already; solve a new challenge.');
  };

  const routes: FastifyPluginAsyncTypebox = async (app) => {
    app.get(
      '/waiting/challenge',
      {
        schema: {
          tags: ['queue'],
          summary: 'A proof-of-work challenge for joining',
          description:
            'When QUEUE_POW_DIFFICULTY > 0, POST /waiting/issue needs X-Queue-Proof: "<challenge>:<nonce>" where ' +
            'SHA-256("<challenge>:<nonce>") starts with `difficulty` zero bits (428 PROOF_REQUIRED without it, ' +
            '400 PROOF_INVALID when forged, expired, too easy, wrong or used before: a solution works once). ' +
            'Stateless and signed (HMAC), valid 2 minutes. The server checks a proof with one HMAC, one SHA-256 ' +
            'and one insert of the used challenge id.',
          response: { 200: ChallengeReply, ...problems() },
        },
      },
      async () => {
        const issued = pow.issue(Math.max(difficulty, 1), clock.now());
        return { ...issued, expiresAt: new Date(issued.expiresAt).toISOString(), required: difficulty > 0 };
      },
    );
  };
  return { guard, routes };
}
