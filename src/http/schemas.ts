import { type TSchema, Type } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String({
      description: 'URI reference naming the problem type: /problems/<code in kebab-case>',
    }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable, machine-readable error code (see the README).' }),
    requestId: Type.Optional(
      Type.String({ description: 'The X-Request-Id of the request (also in the response header and logs).' }),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' },
);

/** Response schemas for the given error statuses, all problem+json. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref('Problem')]));
}

export const PositiveId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Required. Retrying with the same key and body returns the first response again.',
  }),
  'x-queue-token': Type.Optional(Type.String({ description: 'Token of an active queue user.' })),
});

export const QueueTokenHeader = Type.Object({
  'x-queue-token': Type.Optional(Type.String({ description: 'Token of an active queue user.' })),
});
