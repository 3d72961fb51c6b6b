import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

const statusFields = {
  userId: Type.Integer(),
  status: Type.Union([Type.Literal('WAITING'), Type.Literal('ACTIVE'), Type.Literal('PRE_QUEUE')], {
    description: 'PRE_QUEUE: joined a sale room before its opening; places are drawn at the opening.',
  }),
  active: Type.Boolean(),
  position: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: '1-based place among waiting users; 0 once active; absent in the pre-queue.',
    }),
  ),
  opensAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'In the pre-queue: when the sale opens (the draw).' }),
  ),
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

export const IssueHeaders = Type.Object({
  'x-queue-token': Type.Optional(
    Type.String({
      description: 'Optional: your earlier token, to take its signed place back after a store loss.',
    }),
  ),
  'x-queue-proof': Type.Optional(
    Type.String({
      description: 'With QUEUE_POW_DIFFICULTY > 0: "<challenge>:<nonce>" solving GET /waiting/challenge.',
    }),
  ),
});

export const IssueBody = Type.Object(
  {
    userId: PositiveId('The user who queues.'),
    concertId: Type.Optional(PositiveId('Optional: the sale (concert) whose own waiting room to join.')),
  },
  { examples: [{ userId: 42, concertId: 4 }] },
);

export const IssueReply = Type.Object(
  {
    token: Type.String({ description: 'Signed queue token; send it as X-Queue-Token.' }),
    ...statusFields,
    entrant: Type.Optional(
      Type.Object(
        { salt: Type.String(), hash: Type.String() },
        {
          description:
            'In the pre-queue: you appear in the published draw (GET /sales/{concertId}/fairness) as ' +
            'hash = SHA-256("<salt>:<userId>"); keep the salt to find and check your own place.',
        },
      ),
    ),
  },
  {
    examples: [
      {
        token: '42.main.hjz4d8yxs0.mhzq1kx0.w.dH1Kq2F9yS5bM3oQ0pV7cW4xE8rT6uI2aS1dF0gH9jK',
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

export const CheckReply = Type.Object(
  {
    ...statusFields,
    token: Type.Optional(
      Type.String({
        description:
          'Once active: a token that also carries the admission expiry; use it from now on (it stays ' +
          'valid until then even if the queue store loses its data). For a pre-queue token after the ' +
          'opening draw: the token of the drawn place.',
      }),
    ),
    idleDeadline: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Once active and idle (no gated request, check or hold for QUEUE_ACTIVE_IDLE_SECONDS minus the ' +
          'warning time): the slot is freed at this time unless you act; any gated request or a check keeps it.',
      }),
    ),
  },
  {
    examples: [
      {
        userId: 42,
        status: 'ACTIVE',
        active: true,
        position: 0,
        expiresAt: '2026-11-22T10:10:00.000Z',
        estimatedWaitSeconds: 0,
        refreshAfterSeconds: 600,
        token: '42.main.hjz4d8yxs0.mhzq1kx0.mhzq3w2g.dH1Kq2F9yS5bM3oQ0pV7cW4xE8rT6uI2aS1dF0gH9jK',
      },
    ],
  },
);

export const StreamHeaders = Type.Object({
  'x-queue-token': Type.Optional(Type.String({ description: 'The queue token (or ?token=).' })),
  'last-event-id': Type.Optional(Type.String({ description: 'Sent by EventSource on reconnect.' })),
});

export const StreamQuery = Type.Object({
  token: Type.Optional(Type.String({ description: 'The queue token, for EventSource (no custom headers).' })),
});

export const STREAM_EXAMPLE =
  'id: p118.2\nevent: position\ndata: {"userId":42,"status":"WAITING","active":false,"position":118,' +
  '"expiresAt":"2026-11-22T10:01:00.000Z","estimatedWaitSeconds":2,"refreshAfterSeconds":1,"at":1795000000000}\n\n';

export const StreamExample = Type.String({ examples: [STREAM_EXAMPLE] });
