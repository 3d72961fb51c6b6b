import { Type } from 'typebox';

export const PayBody = Type.Object(
  {
    reservationId: Type.String({ format: 'uuid', description: 'Your reservation, ON_HOLD.' }),
    amount: Type.Number({ description: "Must equal the reservation's price (won)." }),
  },
  { examples: [{ reservationId: '0b6c3c1e-5f57-4a39-9a43-9f1e0d7f2a10', amount: 80000 }] },
);

export const PaymentReceipt = Type.Object(
  {
    paymentId: Type.String({ format: 'uuid' }),
    reservationId: Type.String({ format: 'uuid' }),
    amount: Type.Integer(),
    balanceAfter: Type.Integer({ description: 'The balance after the payment.' }),
    status: Type.Literal('CONFIRMED'),
    queueTokenExpired: Type.Literal(true, { description: 'The payment ended the queue session.' }),
  },
  {
    examples: [
      {
        paymentId: '7d1c1b7e-2a64-4c4e-bb1e-2f4a8d5c9e01',
        reservationId: '0b6c3c1e-5f57-4a39-9a43-9f1e0d7f2a10',
        amount: 80000,
        balanceAfter: 20000,
        status: 'CONFIRMED',
        queueTokenExpired: true,
      },
    ],
  },
);
