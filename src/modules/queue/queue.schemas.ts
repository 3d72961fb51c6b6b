import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

const statusFields = {
  userId: Type.Integer(),
  status: Type.Union([Type.Literal('WAITING'), Type.Literal('ACTIVE')]),
  active: Type.Boolean(),
  position: Type.Integer({ minimum: 0, description: '1-based place among waiting users; 0 once active.' }),
  expiresAt: Type.String({
    format: 'date-time',
    description:
      'Active: when the token expires. Waiting: when the place is lost unless the client checks again.',
  }),
  estimatedWaitSeconds: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Position ÷ measured admission rate; null while no admission has been measured.',
  }),
  refreshAfterSeconds: Type.Integer({ minimum: 1, description: 'When to check again.' }),
};

export const IssueBody = Type.Object(
  { userId: PositiveId('The user who queues.') },
  { examples: [{ userId: 42 }] },
);

export const IssueReply = Type.Object(
  { token: Type.String({ description: 'Signed queue token; send it as X-Queue-Token.' }), ...statusFields },
  {
    examples: [
      {
        token: '42.q1nJ1zv4yZ8V0f3bJvN6Zw.dH1Kq2F9yS5bM3oQ0pV7cW4xE8rT6uI2aS1dF0gH9jK',
        userId: 42,
        status: 'WAITING',
        active: false,
        position: 118,
        expiresAt: '2026-11-22T10:01:00.000Z',
        estimatedWaitSeconds: 2,
        refreshAfterSeconds: 1,
      },
    ],
  },
);

export const CheckReply = Type.Object(statusFields, {
  examples: [
    {
      userId: 42,
      status: 'ACTIVE',
      active: true,
      position: 0,
      expiresAt: '2026-11-22T10:10:00.000Z',
      estimatedWaitSeconds: 0,
      refreshAfterSeconds: 600,
    },
  ],
});
