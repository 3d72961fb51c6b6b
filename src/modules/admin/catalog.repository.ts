import type { Queryable, Tx } from '../../db/client.js';
import type { SeatLayout, SectionSpec } from './seat-layout.js';

export interface VenueRow {
  venueId: number;
  name: string;
  sections: SectionSpec[];
}

export interface ConcertRow {
  concertId: number;
  title: string;
  artist: string;
  venue: string;
  venueId: number | null;
  ticketLimit: number | null;
}

export interface ScheduleRow {
  scheduleId: number;
  concertId: number;
  startsAt: Date;
  salesOpenAt: Date | null;
  salesCloseAt: Date | null;
  totalSeats: number;
}

type Json = Parameters<Tx['json']>[0];

export async function findVenues(db: Queryable, venueId?: number, lock = false): Promise<VenueRow[]> {
  const rows = await db<VenueRow[]>`
    SELECT id AS "venueId", name, sections FROM venues
    WHERE ${venueId ?? null}::bigint IS NULL OR id = ${venueId ?? null}::bigint
    ORDER BY id ${lock ? db`FOR NO KEY UPDATE` : db``}`;
  return rows;
}

/**
 * Locks the concerts at a venue. Every change that touches both takes the concert rows
 * before the venue row (a concert moving to a venue does the same), so two operator
 * changes never wait on each other in opposite orders. NO KEY UPDATE, as for every
 * catalog row locked here: it does not block the KEY SHARE locks that a hold's foreign
 * keys take (a reservation names its concert), so a hold never waits on an operator
 * while it holds its seat.
 */
export async function lockConcertsAt(tx: Tx, venueId: number): Promise<void> {
  await tx`SELECT 1 FROM concerts WHERE venue_id = ${venueId} ORDER BY id FOR NO KEY UPDATE`;
}

export async function insertVenue(tx: Tx, name: string, sections: SectionSpec[]): Promise<VenueRow> {
  const [row] = await tx<VenueRow[]>`
    INSERT INTO venues (name, sections) VALUES (${name}, ${tx.json(sections as unknown as Json)})
    RETURNING id AS "venueId", name, sections`;
  return row!;
}

export async function updateVenue(tx: Tx, venue: VenueRow): Promise<void> {
  await tx`UPDATE venues SET name = ${venue.name}, sections = ${tx.json(venue.sections as unknown as Json)}
           WHERE id = ${venue.venueId}`;
  await tx`UPDATE concerts SET venue = ${venue.name} WHERE venue_id = ${venue.venueId}`;
}

export async function deleteVenue(tx: Tx, venueId: number): Promise<'deleted' | 'in-use'> {
  const [used] = await tx`SELECT 1 FROM concerts WHERE venue_id = ${venueId} LIMIT 1`;
  if (used) return 'in-use';
  await tx`DELETE FROM venues WHERE id = ${venueId}`;
  return 'deleted';
}

const CONCERT = (db: Queryable) => db`
  SELECT id AS "concertId", title, artist, venue, venue_id AS "venueId", ticket_limit AS "ticketLimit" FROM concerts`;

export async function findConcerts(db: Queryable, concertId?: number, lock = false): Promise<ConcertRow[]> {
  return db<ConcertRow[]>`
    ${CONCERT(db)} WHERE ${concertId ?? null}::bigint IS NULL OR id = ${concertId ?? null}::bigint
    ORDER BY id ${lock ? db`FOR NO KEY UPDATE` : db``}`;
}

export async function insertConcert(
  tx: Tx,
  concert: { title: string; artist: string; venue: string; venueId: number },
): Promise<number> {
  const [row] = await tx<{ id: number }[]>`
    INSERT INTO concerts (title, artist, venue, venue_id)
    VALUES (${concert.title}, ${concert.artist}, ${concert.venue}, ${concert.venueId}) RETURNING id`;
  return row!.id;
}

export async function updateConcert(tx: Tx, concert: ConcertRow): Promise<void> {
  await tx`
    UPDATE concerts SET title = ${concert.title}, artist = ${concert.artist}, venue = ${concert.venue},
      venue_id = ${concert.venueId}, ticket_limit = ${concert.ticketLimit}
    WHERE id = ${concert.concertId}`;
}

export async function deleteConcert(tx: Tx, concertId: number): Promise<'deleted' | 'in-use'> {
  const [used] = await tx`SELECT 1 FROM schedules WHERE concert_id = ${concertId} LIMIT 1`;
  if (used) return 'in-use';
  await tx`DELETE FROM sale_counters WHERE concert_id = ${concertId}`;
  await tx`DELETE FROM concerts WHERE id = ${concertId}`;
  return 'deleted';
}

export async function findSchedules(
  db: Queryable,
  filter: { scheduleId?: number; concertId?: number; venueId?: number },
  lock = false,
): Promise<ScheduleRow[]> {
  return db<ScheduleRow[]>`
    SELECT sc.id AS "scheduleId", sc.concert_id AS "concertId", sc.starts_at AS "startsAt",
           sc.sales_open_at AS "salesOpenAt", sc.sales_close_at AS "salesCloseAt",
           (SELECT count(*)::int FROM seats WHERE schedule_id = sc.id) AS "totalSeats"
    FROM schedules sc
    WHERE (${filter.scheduleId ?? null}::bigint IS NULL OR sc.id = ${filter.scheduleId ?? null}::bigint)
      AND (${filter.concertId ?? null}::bigint IS NULL OR sc.concert_id = ${filter.concertId ?? null}::bigint)
      AND (${filter.venueId ?? null}::bigint IS NULL
           OR sc.concert_id IN (SELECT id FROM concerts WHERE venue_id = ${filter.venueId ?? null}::bigint))
    ORDER BY sc.id ${lock ? db`FOR NO KEY UPDATE OF sc` : db``}`;
}

export interface ScheduleTimes {
  startsAt: Date;
  salesOpenAt: Date | null;
  salesCloseAt: Date | null;
}

export async function insertSchedule(tx: Tx, concertId: number, times: ScheduleTimes): Promise<number> {
  const [row] = await tx<{ id: number }[]>`
    INSERT INTO schedules (concert_id, starts_at, sales_open_at, sales_close_at)
    VALUES (${concertId}, ${times.startsAt}, ${times.salesOpenAt}, ${times.salesCloseAt}) RETURNING id`;
  return row!.id;
}

export async function updateScheduleTimes(tx: Tx, scheduleId: number, times: ScheduleTimes): Promise<void> {
  await tx`
    UPDATE schedules SET starts_at = ${times.startsAt}, sales_open_at = ${times.salesOpenAt},
      sales_close_at = ${times.salesCloseAt}
    WHERE id = ${scheduleId}`;
}

export async function deleteSchedule(tx: Tx, scheduleId: number): Promise<void> {
  await tx`DELETE FROM seats WHERE schedule_id = ${scheduleId}`;
  await tx`DELETE FROM schedules WHERE id = ${scheduleId}`;
}

export type SeatsState = 'free' | 'in-use' | 'history';

/**
 * Locks every seat of the schedule (in seat order, the order no other writer contradicts:
 * holds and payments lock one seat) and says whether it may be rebuilt or deleted:
 * 'in-use' when a seat is held (live) or sold, 'history' when seats past `keepUpTo` have
 * reservations of the past (expired, released, refunded), which are kept for the record.
 */
export async function lockSeats(
  tx: Tx,
  scheduleId: number,
  now: Date,
  keepUpTo: number,
): Promise<SeatsState> {
  await tx`SELECT 1 FROM seats WHERE schedule_id = ${scheduleId} ORDER BY seat_number FOR UPDATE`;
  const [row] = await tx<{ inUse: boolean; history: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM seats WHERE schedule_id = ${scheduleId}
                   AND (status = 'RESERVED' OR (status = 'HELD' AND hold_expires_at > ${now}))) AS "inUse",
           EXISTS (SELECT 1 FROM reservations WHERE schedule_id = ${scheduleId} AND seat_number > ${keepUpTo}) AS history`;
  if (row!.inUse) return 'in-use';
  return row!.history ? 'history' : 'free';
}

/**
 * Makes the schedule's seats the layout: seats 1..N updated in place (a lapsed hold's
 * reservation stays where it was), new ones inserted, those past N deleted. The caller
 * has locked them with lockSeats and checked that none is in use.
 */
export async function writeSeats(tx: Tx, scheduleId: number, layout: SeatLayout): Promise<void> {
  const { seatNumbers, prices, sections, labels } = layout;
  await tx`
    INSERT INTO seats (schedule_id, seat_number, price, section, label)
    SELECT ${scheduleId}, n, p, s, l
    FROM unnest(${tx.array(seatNumbers)}::int[], ${tx.array(prices)}::bigint[],
                ${tx.array(sections)}::text[], ${tx.array(labels)}::text[]) AS t(n, p, s, l)
    ON CONFLICT (schedule_id, seat_number) DO UPDATE
      SET price = EXCLUDED.price, section = EXCLUDED.section, label = EXCLUDED.label`;
  await tx`DELETE FROM seats WHERE schedule_id = ${scheduleId} AND seat_number > ${seatNumbers.length}`;
}
