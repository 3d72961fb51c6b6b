import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConcertParams, SaleControls, SaleLottery, SalePatch } from '../admin/admin.schemas.js';
import { adminSchema } from '../admin/admin-route.js';
import type { SaleControlsService } from './sale-controls.service.js';

/** A sale's controls and its opening's draw; the operator gate is the enclosing plugin's. */
export const adminRoomsRoutes: FastifyPluginAsyncTypebox<{ sales: SaleControlsService }> = async (
  app,
  { sales },
) => {
  app.get(
    '/admin/sales/:concertId',
    {
      schema: {
        ...adminSchema(
          'Sale controls of a concert',
          'The ticket limit per user and the sale room’s admission: paused, per tick, active cap.',
          { status: 200, schema: SaleControls },
          [400, 404],
          { audited: false },
        ),
        params: ConcertParams,
      },
    },
    async (request) => sales.getSale(request.params.concertId),
  );
  app.patch(
    '/admin/sales/:concertId',
    {
      schema: {
        ...adminSchema(
          'Change a sale’s live controls',
          'Any of: ticketLimit (seats held + paid per user; the next hold is checked against it in SQL, seats ' +
            'already held or paid stay), paused (admission from the sale’s waiting room stops; waiters keep ' +
            'their places; admitted users keep their admission), admitPerTick, maxActive (null: the configured ' +
            'default). Stored in PostgreSQL (survives restarts); every process reads them once per queue tick, ' +
            'so the change reaches all of them within one tick.',
          { status: 200, schema: SaleControls },
          [400, 404],
        ),
        params: ConcertParams,
        body: SalePatch,
      },
    },
    async (request) => sales.updateSale(request.operator!, request.params.concertId, request.body),
  );
  app.get(
    '/admin/sales/:concertId/lottery',
    {
      schema: {
        ...adminSchema(
          'The opening’s draw',
          'At the opening the pre-queue is ordered by a uniformly random shuffle of the entrants’ salted ' +
            'hashes, seeded from the committed secret and the entrant list (README “Rooms and openings”): ' +
            'the seed, the number of entrants and the digests. The inputs are public at GET ' +
            '/sales/{concertId}/fairness; `npm run verify-lottery -- --url <base> --concert <id>` (alias ' +
            'lottery:replay) replays the draw and exits 0 only when everything matches. 404 LOTTERY_NOT_DRAWN ' +
            'before the draw.',
          { status: 200, schema: SaleLottery },
          [400, 404],
          { audited: false },
        ),
        params: ConcertParams,
      },
    },
    async (request) => sales.lottery(request.params.concertId),
  );
};
