import { notFound } from '../../errors.js';
import type { Operator } from '../../http/admin-auth.js';
import { type AdminDeps, changeRunner } from '../admin/admin-change.js';
import { type ConcertRow, findConcerts, updateConcert } from '../admin/catalog.repository.js';
import { concertNotFound, lockConcert } from '../admin/catalog.service.js';
import { type ControlsRow, findLottery, readControls, writeControls } from './rooms.repository.js';

export interface SalePatchInput {
  ticketLimit?: number | null;
  paused?: boolean;
  admitPerTick?: number | null;
  maxActive?: number | null;
}

/**
 * A sale's live controls: the ticket limit (checked in SQL by every hold) and its waiting
 * room's admission (paused, per tick, active cap). Stored in PostgreSQL, so they survive
 * restarts; every process reads them once per tick, so a change takes effect everywhere
 * within one tick.
 */
export function createSaleControlsService(deps: AdminDeps) {
  const { sql, defaultTicketLimit, queueDefaults } = deps;
  const { tickMs } = queueDefaults;
  const change = changeRunner(deps);

  const view = (concert: ConcertRow, controls: ControlsRow) => {
    const perTick = controls.admitPerTick ?? queueDefaults.admitPerTick;
    return {
      concertId: concert.concertId,
      ticketLimit: concert.ticketLimit,
      effectiveTicketLimit: concert.ticketLimit ?? defaultTicketLimit,
      paused: controls.paused,
      admitPerTick: controls.admitPerTick,
      maxActive: controls.maxActive,
      effectiveAdmitPerTick: perTick,
      effectiveMaxActive: controls.maxActive ?? queueDefaults.maxActive,
      admissionRatePerSecond: controls.paused ? 0 : (perTick * 1000) / tickMs,
    };
  };

  return {
    async getSale(concertId: number) {
      const [concert] = await findConcerts(sql, concertId);
      if (!concert) throw concertNotFound(concertId);
      return view(concert, await readControls(sql, concertId));
    },

    updateSale: (operator: Operator, concertId: number, patch: SalePatchInput) =>
      change(operator, async (tx, now) => {
        const concert = await lockConcert(tx, concertId);
        const controls = await readControls(tx, concertId);
        const before = view(concert, controls);
        const nextConcert =
          patch.ticketLimit === undefined ? concert : { ...concert, ticketLimit: patch.ticketLimit };
        const next: ControlsRow = {
          paused: patch.paused ?? controls.paused,
          admitPerTick: patch.admitPerTick === undefined ? controls.admitPerTick : patch.admitPerTick,
          maxActive: patch.maxActive === undefined ? controls.maxActive : patch.maxActive,
        };
        if (nextConcert !== concert) await updateConcert(tx, nextConcert);
        await writeControls(tx, concertId, next, now);
        const after = view(nextConcert, next);
        return {
          result: after,
          action: 'sale.update',
          entity: 'concert',
          entityId: concertId,
          before,
          after,
        };
      }),

    /** The opening's draw: the seed, the number of entrants and the digests (the inputs: the fairness page). */
    async lottery(concertId: number) {
      const lottery = await findLottery(sql, concertId);
      if (!lottery) {
        const [concert] = await findConcerts(sql, concertId);
        if (!concert) throw concertNotFound(concertId);
        throw notFound('LOTTERY_NOT_DRAWN', `The sale of concert ${concertId} has not been drawn (yet).`);
      }
      return {
        concertId,
        opensAt: lottery.opensAt.toISOString(),
        drawnAt: lottery.drawnAt.toISOString(),
        seed: lottery.seed,
        entrants: lottery.entrants,
        orderDigest: lottery.orderDigest,
        entrantsDigest: lottery.entrantsDigest,
      };
    },
  };
}

export type SaleControlsService = ReturnType<typeof createSaleControlsService>;
