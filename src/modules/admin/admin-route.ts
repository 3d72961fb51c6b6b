import { type TSchema, Type } from 'typebox';
import { problems } from '../../http/schemas.js';

export const ADMIN_TAG = 'admin';

export const AdminHeaders = Type.Object({
  authorization: Type.Optional(
    Type.String({
      description: 'Bearer <ADMIN_TOKEN>. Missing or wrong: 401 with WWW-Authenticate: Bearer.',
    }),
  ),
});

export const Deleted = Type.Object(
  { deleted: Type.Literal(true), id: Type.Integer() },
  { examples: [{ deleted: true, id: 3 }] },
);

const AUDITED = ' Audited (GET /admin/audit).';

/** The schema parts every operator route shares: tag, auth header, 401 and the problems of its own. */
export function adminSchema(
  summary: string,
  description: string,
  ok: { status: number; schema: TSchema },
  errors: number[],
  { audited = true }: { audited?: boolean } = {},
) {
  return {
    tags: [ADMIN_TAG],
    summary,
    description: description + (audited ? AUDITED : ''),
    headers: AdminHeaders,
    response: { [ok.status]: ok.schema, ...problems(401, ...errors) },
  };
}
