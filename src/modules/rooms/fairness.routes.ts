import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { notFound } from '../../errors.js';
import { problems } from '../../http/schemas.js';
import { ConcertParams } from '../concerts/concerts.schemas.js';
import { ALGORITHM, entrantHash, sortHashes } from './fairness.js';
import { ensureCommitment, entrants, findLottery, findSecret, readSales } from './rooms.repository.js';

const hex = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description });

export const Fairness = Type.Object(
  {
    concertId: Type.Integer(),
    algorithm: Type.String({ description: 'How everything below is computed (see README).' }),
    commitment: hex('SHA-256 of the secret’s hex text, published before anyone joined.'),
    opensAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    drawn: Type.Boolean(),
    secret: Type.Optional(hex('After the draw: the committed secret.')),
    seed: Type.Optional(hex('After the draw: SHA-256("<secret>:<entrantsDigest>").')),
    entrants: Type.Optional(
      Type.Array(Type.String(), {
        description: 'After the draw: SHA-256("<salt>:<userId>") per entrant, sorted.',
      }),
    ),
    entrantsDigest: Type.Optional(hex('After the draw: SHA-256 of the entrants joined by ",".')),
    orderDigest: Type.Optional(hex('After the draw: SHA-256 of the drawn order joined by ",".')),
  },
  {
    examples: [
      {
        concertId: 4,
        algorithm: ALGORITHM,
        commitment: '3b7c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4',
        opensAt: '2026-11-22T10:00:00.000Z',
        drawn: false,
      },
    ],
  },
);

/** The public, verifiable side of a sale's opening draw. */
export const fairnessRoutes: FastifyPluginAsyncTypebox<{ sql: Sql; clock: Clock }> = async (
  app,
  { sql, clock },
) => {
  app.get(
    '/sales/:concertId/fairness',
    {
      schema: {
        tags: ['queue'],
        summary: 'Verify a sale’s opening draw',
        description:
          'Public, no token. Before the draw: the commitment to the sale’s secret (fixed before anyone could ' +
          'join its pre-queue) and the opening. After it: the secret, the entrants as salted hashes (yours: ' +
          'SHA-256("<salt>:<userId>") with the salt from your pre-queue issue), their digest, the seed derived ' +
          'from both and the digest of the drawn order. `npm run verify-lottery -- --url <base> --concert <id>` ' +
          'recomputes everything and exits 0 only when it all matches. 404 CONCERT_NOT_FOUND.',
        params: ConcertParams,
        response: { 200: Fairness, ...problems(400, 404) },
      },
    },
    async (request) => {
      const { concertId } = request.params;
      const [sale] = await readSales(sql, [concertId]);
      if (!sale) throw notFound('CONCERT_NOT_FOUND', `Concert ${concertId} does not exist.`);
      const commitment = await ensureCommitment(sql, concertId, new Date(clock.now()));
      const head = {
        concertId,
        algorithm: ALGORITHM,
        commitment,
        opensAt: sale.opensAt?.toISOString() ?? null,
      };
      const lottery = await findLottery(sql, concertId);
      if (!lottery) return { ...head, drawn: false };
      const { secret } = (await findSecret(sql, concertId))!;
      const hashes = sortHashes((await entrants(sql, concertId)).map((e) => entrantHash(e.salt, e.userId)));
      return {
        ...head,
        drawn: true,
        secret,
        seed: lottery.seed,
        entrants: hashes,
        entrantsDigest: lottery.entrantsDigest,
        orderDigest: lottery.orderDigest,
      };
    },
  );
};
