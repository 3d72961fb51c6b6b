import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

export const SeatStatus = Type.Union([
  Type.Literal('AVAILABLE'),
  Type.Literal('TEMP_RESERVED'),
  Type.Literal('RESERVED'),
]);

export const ConcertList = Type.Object(
  {
    concerts: Type.Array(
      Type.Object({
        concertId: Type.Integer(),
        title: Type.String(),
        artist: Type.String(),
        venue: Type.String(),
      }),
    ),
  },
  {
    examples: [
      {
        concerts: [
          { concertId: 1, title: 'Winter Lights Gala', artist: 'Aurora Strings', venue: 'Seoul Arts Center' },
        ],
      },
    ],
  },
);

export const ConcertParams = Type.Object({ concertId: PositiveId('The concert.') });
export const ScheduleParams = Type.Object({
  concertId: PositiveId('The concert.'),
  scheduleId: PositiveId('A schedule of that concert.'),
});

export const ScheduleQuery = Type.Object({
  includeSoldOut: Type.Boolean({ default: false, description: 'Also list schedules with no seat left.' }),
});

export const ScheduleList = Type.Object(
  {
    concertId: Type.Integer(),
    schedules: Type.Array(
      Type.Object({
        scheduleId: Type.Integer(),
        startsAt: Type.String({ format: 'date-time' }),
        salesOpenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
          description: 'Holds before this are 403 SALE_NOT_OPEN; null: on sale from the start.',
        }),
        salesCloseAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
          description: 'Holds and payments from this on are 403 SALE_CLOSED; null: no closing time.',
        }),
        availableSeats: Type.Integer({
          description: 'Seats neither held nor reserved (an expired hold is free).',
        }),
        totalSeats: Type.Integer(),
      }),
    ),
  },
  {
    examples: [
      {
        concertId: 1,
        schedules: [
          {
            scheduleId: 1,
            startsAt: '2026-11-29T10:00:00.000Z',
            salesOpenAt: null,
            salesCloseAt: null,
            availableSeats: 48,
            totalSeats: 50,
          },
        ],
      },
    ],
  },
);

export const SeatMap = Type.Object(
  {
    concertId: Type.Integer(),
    scheduleId: Type.Integer(),
    seats: Type.Array(
      Type.Object({
        seatNumber: Type.Integer({
          minimum: 1,
          description: '1..N: 1..50 for the demo catalog, the venue’s seat count for an operator’s schedule.',
        }),
        status: SeatStatus,
        price: Type.Integer(),
        section: Type.String({ description: 'The venue section the seat is in (the demo catalog: "A").' }),
        label: Type.String({ description: 'What a ticket shows: "<section>-<number within the section>".' }),
      }),
    ),
  },
  {
    examples: [
      {
        concertId: 1,
        scheduleId: 1,
        seats: [
          { seatNumber: 1, status: 'RESERVED', price: 80000, section: 'A', label: 'A-1' },
          { seatNumber: 2, status: 'TEMP_RESERVED', price: 80000, section: 'A', label: 'A-2' },
          { seatNumber: 3, status: 'AVAILABLE', price: 80000, section: 'A', label: 'A-3' },
        ],
      },
    ],
  },
);
