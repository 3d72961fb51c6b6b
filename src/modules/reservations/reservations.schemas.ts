import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

export const ReserveBody = Type.Object(
  {
    userId: PositiveId('The user reserving; must be the queue token’s user.'),
    concertId: PositiveId('The concert.'),
    scheduleId: PositiveId('A schedule of that concert.'),
    seatNumber: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'Seat 1..N of the schedule (1..50 in the demo catalog).',
    }),
  },
  { examples: [{ userId: 42, concertId: 1, scheduleId: 1, seatNumber: 7 }] },
);

export const Reservation = Type.Object(
  {
    reservationId: Type.String({ format: 'uuid' }),
    userId: Type.Integer(),
    concertId: Type.Integer(),
    scheduleId: Type.Integer(),
    seatNumber: Type.Integer(),
    status: Type.Union(
      [
        Type.Literal('ON_HOLD'),
        Type.Literal('CONFIRMED'),
        Type.Literal('EXPIRED'),
        Type.Literal('RELEASED'),
        Type.Literal('REFUNDED'),
      ],
      {
        description: 'RELEASED: the holder gave the hold back. REFUNDED: a paid seat returned for its price.',
      },
    ),
    holdExpiresAt: Type.String({ format: 'date-time' }),
    price: Type.Integer({ description: 'Price of the seat in won; a payment must be exactly this.' }),
  },
  {
    examples: [
      {
        reservationId: '0b6c3c1e-5f57-4a39-9a43-9f1e0d7f2a10',
        userId: 42,
        concertId: 1,
        scheduleId: 1,
        seatNumber: 7,
        status: 'ON_HOLD',
        holdExpiresAt: '2026-11-22T10:05:00.000Z',
        price: 80000,
      },
    ],
  },
);

export const ReservationParams = Type.Object({ reservationId: Type.String({ format: 'uuid' }) });
