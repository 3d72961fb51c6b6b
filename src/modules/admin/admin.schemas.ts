import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const Time = (description: string) => Type.String({ format: 'date-time', description });
const NullableTime = (description: string) => Type.Union([Time(description), Type.Null()], { description });

export const Section = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 20,
    pattern: '^[A-Za-z0-9]+$',
    description: 'Letters and digits; seat labels read "<name>-<n>".',
  }),
  seatCount: Type.Integer({ minimum: 1, maximum: 20_000 }),
  price: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Won per seat of this section.' }),
});
const Sections = Type.Array(Section, {
  minItems: 1,
  maxItems: 50,
  description: 'In seat order: seat numbers run 1..N through the sections (at most 20,000 seats in all).',
});

const venueExample = {
  venueId: 1,
  name: 'Olympic Hall',
  sections: [
    { name: 'VIP', seatCount: 100, price: 150000 },
    { name: 'A', seatCount: 4900, price: 80000 },
  ],
  totalSeats: 5000,
};
export const VenueBody = Type.Object(
  { name: Name('Venue name.'), sections: Sections },
  { examples: [{ name: venueExample.name, sections: venueExample.sections }] },
);
export const VenuePatch = Type.Object(
  { name: Type.Optional(Name('New name.')), sections: Type.Optional(Sections) },
  { examples: [{ sections: [{ name: 'A', seatCount: 5000, price: 90000 }] }] },
);
export const Venue = Type.Object(
  {
    venueId: Type.Integer(),
    name: Type.String(),
    sections: Type.Array(Section),
    totalSeats: Type.Integer(),
  },
  { examples: [venueExample] },
);
export const VenueList = Type.Object(
  { venues: Type.Array(Venue) },
  { examples: [{ venues: [venueExample] }] },
);

const concertExample = {
  concertId: 4,
  title: 'Spring Night',
  artist: 'Aurora Strings',
  venue: 'Olympic Hall',
  venueId: 1,
  ticketLimit: null,
};
export const ConcertBody = Type.Object(
  {
    title: Name('Title.'),
    artist: Name('Artist.'),
    venueId: PositiveId('The venue; its sections make the seats of every schedule.'),
  },
  { examples: [{ title: 'Spring Night', artist: 'Aurora Strings', venueId: 1 }] },
);
export const ConcertPatch = Type.Object(
  {
    title: Type.Optional(Name('Title.')),
    artist: Type.Optional(Name('Artist.')),
    venueId: Type.Optional(PositiveId('Another venue: every schedule’s seats are made anew from it.')),
  },
  { examples: [{ title: 'Spring Night (extra date)' }] },
);
export const AdminConcert = Type.Object(
  {
    concertId: Type.Integer(),
    title: Type.String(),
    artist: Type.String(),
    venue: Type.String({ description: 'The venue’s name, as GET /concerts shows it.' }),
    venueId: Type.Union([Type.Integer(), Type.Null()], { description: 'Null for the seeded demo catalog.' }),
    ticketLimit: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Own ticket limit per user; null: TICKET_LIMIT_PER_USER.',
    }),
  },
  { examples: [concertExample] },
);
export const AdminConcertList = Type.Object(
  { concerts: Type.Array(AdminConcert) },
  { examples: [{ concerts: [concertExample] }] },
);

export const scheduleExample = {
  scheduleId: 11,
  concertId: 4,
  startsAt: '2026-12-24T10:00:00.000Z',
  salesOpenAt: '2026-12-01T03:00:00.000Z',
  salesCloseAt: '2026-12-24T09:00:00.000Z',
  totalSeats: 5000,
};
export const ScheduleBody = Type.Object(
  {
    startsAt: Time('When the show starts; refunds close then.'),
    salesOpenAt: Time('Holds and payments before this: 403 SALE_NOT_OPEN.'),
    salesCloseAt: Type.Optional(Time('From this on: 403 SALE_CLOSED. Default: startsAt. At most startsAt.')),
  },
  { examples: [{ startsAt: scheduleExample.startsAt, salesOpenAt: scheduleExample.salesOpenAt }] },
);
export const SchedulePatch = Type.Object(
  {
    startsAt: Type.Optional(Time('When the show starts.')),
    salesOpenAt: Type.Optional(NullableTime('Null: on sale from the start.')),
    salesCloseAt: Type.Optional(NullableTime('Null: no closing time.')),
  },
  { examples: [{ salesOpenAt: '2026-12-02T03:00:00.000Z' }] },
);
export const AdminSchedule = Type.Object(
  {
    scheduleId: Type.Integer(),
    concertId: Type.Integer(),
    startsAt: Type.String({ format: 'date-time' }),
    salesOpenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    salesCloseAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    totalSeats: Type.Integer(),
  },
  { examples: [scheduleExample] },
);

const nullableCount = (max: number, description: string) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: max }), Type.Null()], { description });

export const SaleControls = Type.Object(
  {
    concertId: Type.Integer(),
    ticketLimit: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The concert’s own limit, or null.',
    }),
    effectiveTicketLimit: Type.Integer({ description: 'What holds are checked against.' }),
    paused: Type.Boolean({
      description: 'Admission from the sale’s waiting room stopped (waiters keep places).',
    }),
    admitPerTick: Type.Union([Type.Integer(), Type.Null()], { description: 'Own rate, or null (default).' }),
    maxActive: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Own active cap, or null (default).',
    }),
    effectiveAdmitPerTick: Type.Integer({ description: 'Users admitted per queue tick at most.' }),
    effectiveMaxActive: Type.Integer({ description: 'Users admitted at once at most.' }),
    admissionRatePerSecond: Type.Number({
      description: 'effectiveAdmitPerTick per tick, in users/s; 0 paused.',
    }),
  },
  {
    examples: [
      {
        concertId: 4,
        ticketLimit: 2,
        effectiveTicketLimit: 2,
        paused: false,
        admitPerTick: 50,
        maxActive: null,
        effectiveAdmitPerTick: 50,
        effectiveMaxActive: 1000,
        admissionRatePerSecond: 50,
      },
    ],
  },
);
export const SalePatch = Type.Object(
  {
    ticketLimit: Type.Optional(
      nullableCount(
        100_000,
        'Seats (held + paid) one user may have of this concert; null: back to the default.',
      ),
    ),
    paused: Type.Optional(
      Type.Boolean({ description: 'true: admit nobody from the sale’s room until false.' }),
    ),
    admitPerTick: Type.Optional(
      nullableCount(100_000, 'Users admitted per tick from the sale’s room; null: QUEUE_ADMIT_PER_TICK.'),
    ),
    maxActive: Type.Optional(
      nullableCount(10_000_000, 'Users admitted at once in the sale’s room; null: QUEUE_MAX_ACTIVE.'),
    ),
  },
  { examples: [{ paused: false, admitPerTick: 50, maxActive: 500 }] },
);

export const SaleLottery = Type.Object(
  {
    concertId: Type.Integer(),
    opensAt: Type.String({ format: 'date-time' }),
    drawnAt: Type.String({ format: 'date-time' }),
    seed: Type.String({ description: '256-bit seed, hex: with the entrants it fixes the order.' }),
    entrants: Type.Integer({ description: 'How many were in the pre-queue at the draw.' }),
    orderDigest: Type.String({
      description: 'SHA-256 (hex) of the drawn order of entrant hashes joined by ",".',
    }),
    entrantsDigest: Type.String({ description: 'SHA-256 (hex) of the sorted entrant hashes joined by ",".' }),
  },
  {
    examples: [
      {
        concertId: 4,
        opensAt: '2026-11-22T10:00:00.000Z',
        drawnAt: '2026-11-22T10:00:00.412Z',
        seed: '9f2c…',
        entrants: 3,
        orderDigest: 'c1d0…',
        entrantsDigest: '5be1…',
      },
    ],
  },
);
const auditExample = {
  id: 42,
  at: '2026-11-22T10:00:00.000Z',
  actor: 'admin-token',
  action: 'sale.update',
  entity: 'concert',
  entityId: '4',
  before: { ticketLimit: null },
  after: { ticketLimit: 2 },
};
export const AuditPage = Type.Object(
  {
    entries: Type.Array(
      Type.Object({
        id: Type.Integer(),
        at: Type.String({ format: 'date-time' }),
        actor: Type.String({ description: 'Who: the operator credential (admin-token, or a JWT subject).' }),
        action: Type.String({ description: '<entity>.<create|update|delete>, or sale.update.' }),
        entity: Type.String(),
        entityId: Type.String(),
        before: Type.Unknown({ description: 'The entity before the change; null for a creation.' }),
        after: Type.Unknown({ description: 'The entity after the change; null for a deletion.' }),
      }),
    ),
    nextBefore: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Pass as ?before= for the next (older) page; null on the last page.',
    }),
  },
  { examples: [{ entries: [auditExample], nextBefore: null }] },
);
export const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  before: Type.Optional(PositiveId('Entries older than this id (from nextBefore).')),
  entity: Type.Optional(
    Type.String({ maxLength: 40, description: 'Only this kind: venue, concert, schedule.' }),
  ),
  entityId: Type.Optional(Type.String({ maxLength: 40, description: 'Only this entity (with entity).' })),
});

export const VenueParams = Type.Object({ venueId: PositiveId('The venue.') });
export const ConcertParams = Type.Object({ concertId: PositiveId('The concert.') });
export const ScheduleParams = Type.Object({ scheduleId: PositiveId('The schedule.') });
