import type { Sql } from '../../db/client.js';
import { forbidden, notFound } from '../../errors.js';
import type { SignedPlace } from '../queue/queue-store.js';
import type { RoomHooks, RoomPlan } from '../queue/queue-ticker.js';
import type { TokenClaims } from '../queue/queue-token.js';
import type { Entry, RoomDirectory } from '../queue/room-directory.js';
import { entrantHash, fairDraw } from './fairness.js';
import {
  concertKindsAfter,
  drawnPlaces,
  type Entrant,
  isOperatorsConcert,
  joinPreQueue,
  preQueueSizes as readPreQueueSizes,
  readSales,
  recordDraw,
  type SaleRow,
  undrawnSales,
} from './rooms.repository.js';

export interface SaleRoomsDeps {
  sql: Sql;
  /** The default room's name (QUEUE_NAME): sale rooms are named after it, "<name>-c<concertId>". */
  defaultRoom: string;
  idleTimeoutMs: number;
  log?: { info(details: object, message: string): void };
}

const UNDRAWN_SCAN_MS = 5000;

export type SaleRooms = RoomDirectory &
  RoomHooks & {
    roomOf(concertId: number): string;
    /** Pre-queue entrants waiting for their draw, by room name. */
    preQueueSizes(): Promise<Map<string, number>>;
    /** Whether the room's sale is paused, as read at this process's last tick. */
    paused(room: string): boolean;
  };

/**
 * Every concert's sale has a waiting room of its own. This keeps, per process, what the
 * rooms need between ticks: each sale's window and live controls (read once per tick, in
 * one statement, so an operator's change reaches every process within a tick) and, after
 * the opening, the drawn places of the pre-queue.
 */
export function createSaleRooms({ sql, defaultRoom, idleTimeoutMs, log }: SaleRoomsDeps): SaleRooms {
  const prefix = `${defaultRoom.slice(0, 40)}-c`;
  const sales = new Map<number, SaleRow>();
  const drawn = new Map<number, Map<number, SignedPlace>>();
  const ownLine = new Map<number, boolean>();
  let nextUndrawnScan = 0;
  // Concerts whose kind is known: ids only grow and a concert keeps its kind, so each scan
  // reads only the concerts created since the last one.
  let kindsKnownTo = 0;

  const roomOf = (concertId: number) => `${prefix}${concertId}`;
  const concertOf = (room: string) =>
    room.startsWith(prefix) && /^\d+$/.test(room.slice(prefix.length))
      ? Number(room.slice(prefix.length))
      : undefined;

  async function sale(concertId: number, fresh = false): Promise<SaleRow | undefined> {
    const known = sales.get(concertId);
    if (known && !fresh) return known;
    const [row] = await readSales(sql, [concertId]);
    if (row) sales.set(concertId, row);
    return row;
  }

  async function loadDrawn(concertId: number): Promise<Map<number, SignedPlace>> {
    let places = drawn.get(concertId);
    if (!places) {
      places = new Map();
      for (const { userId, seq, joinedAt } of await drawnPlaces(sql, concertId)) {
        places.set(userId, { userId, seq, issuedAt: joinedAt.getTime() });
      }
      drawn.set(concertId, places);
    }
    return places;
  }

  const closed = (row: SaleRow) =>
    forbidden(
      'SALE_CLOSED',
      `The sale of concert ${row.concertId} closed at ${row.closesAt!.toISOString()}.`,
    );

  return {
    roomOf,
    concertOf,

    paused(room: string): boolean {
      const concertId = concertOf(room);
      return concertId !== undefined && sales.get(concertId)?.paused === true;
    },

    async preQueueSizes() {
      const sizes = await readPreQueueSizes(sql);
      return new Map(sizes.map(({ concertId, entrants }) => [roomOf(concertId), entrants]));
    },

    async enter(concertId: number, userId: number, now: number): Promise<Entry> {
      const row = await sale(concertId, true);
      if (!row) throw notFound('CONCERT_NOT_FOUND', `Concert ${concertId} does not exist.`);
      const room = roomOf(concertId);
      if (row.closesAt && now >= row.closesAt.getTime()) throw closed(row);
      if (row.opensAt && !row.drawnAt) {
        // Before the opening: join (or find) the pre-queue. After it, until the draw: only find.
        const mayJoin = now < row.opensAt.getTime();
        const entry = await joinPreQueue(sql, concertId, userId, new Date(now), mayJoin);
        if (entry)
          return {
            kind: 'PRE_QUEUE',
            room,
            joinedAt: entry.joinedAt.getTime(),
            opensAt: row.opensAt.getTime(),
            entrant: { salt: entry.salt, hash: entrantHash(entry.salt, userId) },
          };
      }
      if (!row.drawnAt) return { kind: 'LINE', room };
      const place = (await loadDrawn(concertId)).get(userId);
      return place ? { kind: 'LINE', room, drawn: place } : { kind: 'LINE', room };
    },

    async saleOf({ concertId, reservationId }): Promise<number | undefined> {
      if (concertId !== undefined) return concertId;
      if (reservationId === undefined) return undefined;
      const [row] = await sql<{ concertId: number }[]>`
        SELECT concert_id AS "concertId" FROM reservations WHERE id = ${reservationId}`;
      return row?.concertId;
    },

    async ownLineOnly(concertId: number): Promise<boolean> {
      const known = ownLine.get(concertId);
      if (known !== undefined) return known;
      // Known from the tick's scan (every few seconds); a concert newer than that is read here.
      // Operators' concerts have a venue; the seeded demo catalog has none. A concert keeps
      // its kind (a venue can be changed, not removed), so the answer is kept for good.
      const operators = await isOperatorsConcert(sql, concertId);
      if (operators !== undefined) ownLine.set(concertId, operators);
      return operators ?? false;
    },

    drawnPlace(claims: TokenClaims): SignedPlace | null {
      const concertId = concertOf(claims.room);
      if (concertId === undefined) return null;
      return drawn.get(concertId)?.get(claims.userId) ?? null;
    },

    opensAt(room: string): number | undefined {
      const concertId = concertOf(room);
      return concertId === undefined ? undefined : sales.get(concertId)?.opensAt?.getTime();
    },

    async refresh(rooms: readonly string[], now: number): Promise<readonly string[]> {
      const ids = new Set<number>();
      for (const room of rooms) {
        const concertId = concertOf(room);
        if (concertId !== undefined) ids.add(concertId);
      }
      // After a restart: rooms whose pre-queue waits for its draw are ticked by every process
      // (looked for every few seconds, not every tick: the draw waits for the opening anyway).
      if (now >= nextUndrawnScan) {
        nextUndrawnScan = now + UNDRAWN_SCAN_MS;
        for (const concertId of await undrawnSales(sql)) ids.add(concertId);
        // So that a hold's gate knows the concert's kind without a statement of its own.
        for (const { concertId, operators } of await concertKindsAfter(sql, kindsKnownTo)) {
          ownLine.set(concertId, operators);
          kindsKnownTo = Math.max(kindsKnownTo, concertId);
        }
      }
      if (ids.size === 0) return [];
      for (const row of await readSales(sql, [...ids])) sales.set(row.concertId, row);
      return [...ids].map(roomOf);
    },

    async prepare(room, now, place): Promise<RoomPlan> {
      const concertId = concertOf(room);
      if (concertId === undefined) return {};
      const row = sales.get(concertId);
      if (!row) return {};
      const limits: RoomPlan = {
        ...(row.admitPerTick === null ? {} : { admitPerTick: row.admitPerTick }),
        ...(row.maxActive === null ? {} : { maxActive: row.maxActive }),
      };
      if (row.opensAt && now >= row.opensAt.getTime() && !drawn.has(concertId)) {
        const started = performance.now();
        let drew = false;
        if (!row.drawnAt) {
          const draw = (secret: string, entrants: Entrant[]) => {
            // The shuffle runs over the entrants' published hashes; each hash names one user.
            const userOf = new Map(entrants.map((e) => [entrantHash(e.salt, e.userId), e.userId]));
            const drawn = fairDraw(secret, [...userOf.keys()]);
            return { ...drawn, order: drawn.order.map((hash) => userOf.get(hash)!) };
          };
          drew = await recordDraw(sql, concertId, draw, row.opensAt, new Date(now));
        }
        const drawnMs = performance.now() - started;
        const places = await loadDrawn(concertId);
        // Every process puts the drawn places in line (idempotent) before it admits in this room,
        // so no later arrival is admitted ahead of them; after a restart long after, they are there.
        const drawnAt = row.drawnAt?.getTime() ?? now;
        if (now < drawnAt + idleTimeoutMs) await place([...places.values()]);
        const timing = { concertId, entrants: places.size, drew, drawMs: Math.round(drawnMs) };
        log?.info(
          { ...timing, placedMs: Math.round(performance.now() - started) },
          'sale opening: draw placed',
        );
      }
      if (row.opensAt && now >= row.opensAt.getTime() && !drawn.has(concertId)) return { admitPerTick: 0 };
      return row.paused ? { ...limits, admitPerTick: 0 } : limits;
    },
  };
}
