import { Type } from 'typebox';

export const RefundReceipt = Type.Object(
  {
    reservationId: Type.String({ format: 'uuid' }),
    paymentId: Type.String({ format: 'uuid', description: 'The payment refunded.' }),
    status: Type.Literal('REFUNDED'),
    refunded: Type.Integer({ description: 'Won credited back (the price paid), as a REFUND ledger row.' }),
    balanceAfter: Type.Integer({ description: 'The balance after the refund.' }),
  },
  {
    examples: [
      {
        reservationId: '0b6c3c1e-5f57-4a39-9a43-9f1e0d7f2a10',
        paymentId: '7d1c1b7e-2a64-4c4e-bb1e-2f4a8d5c9e01',
        status: 'REFUNDED',
        refunded: 80000,
        balanceAfter: 100000,
      },
    ],
  },
);
