import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BEARER_SCHEME, callerOf } from '../../http/identity.js';
import { problems } from '../../http/schemas.js';
import type { IdentityService } from './identity.service.js';

export const MeReply = Type.Object(
  {
    userId: Type.Integer({ description: 'The user id from the JWT (AUTH_USER_CLAIM, `sub` by default).' }),
    roles: Type.Array(Type.String(), {
      description: 'The roles from AUTH_ROLES_CLAIM (`roles` by default).',
    }),
    operator: Type.Boolean({ description: 'Whether the roles include AUTH_ADMIN_ROLE (opens /admin/...).' }),
  },
  { examples: [{ userId: 42, roles: ['admin'], operator: true }] },
);

export const identityRoutes: FastifyPluginAsyncTypebox<{ identity: IdentityService }> = async (
  app,
  { identity },
) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'Who the bearer JWT says you are',
        description:
          'AUTH_MODE=jwt: the caller of `Authorization: Bearer <JWT>` (401 AUTH_TOKEN_MISSING / ' +
          'AUTH_TOKEN_INVALID / AUTH_TOKEN_EXPIRED with WWW-Authenticate: Bearer; 503 AUTH_KEYS_UNAVAILABLE ' +
          'while a JWKS cannot be fetched). A user seen for the first time is created with balance 0. ' +
          'AUTH_MODE=none (demo): 404 IDENTITY_DISABLED, requests carry no identity.',
        security: [{ [BEARER_SCHEME]: [] }],
        response: { 200: MeReply, ...problems(401, 404, 503) },
      },
    },
    async (request, reply) => callerOf(identity, request, reply),
  );
};
