import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { AppError, forbidden } from '../errors.js';
import type { Caller, IdentityService } from '../modules/identity/identity.service.js';
import { AuthError } from '../modules/identity/jwt-verifier.js';
import type { QueueService } from '../modules/queue/queue.service.js';
import { queueTokenOf } from './queue-gate.js';
import { problems } from './schemas.js';

/**
 * What a route declares (`config: { actsFor }`) when it names or acts for a user. In
 * AUTH_MODE=jwt such a route needs a verified bearer JWT, and the user it acts for must be
 * the JWT's; in AUTH_MODE=none the declaration changes nothing.
 */
export interface ActsFor {
  /** The user the request names (path, query or body): 403 USER_MISMATCH unless it is the caller. */
  userIdOf?(request: FastifyRequest): number | undefined;
  /** The owner of the request's queue token, for routes without the queue gate. */
  queueUserOf?(request: FastifyRequest): number | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set in AUTH_MODE=jwt on routes that declare `actsFor`: the verified caller. */
    caller?: Caller;
  }
  interface FastifyContextConfig {
    actsFor?: ActsFor;
  }
}

export const userInBody: ActsFor = { userIdOf: (request) => (request.body as { userId?: number }).userId };
export const userInParams: ActsFor = {
  userIdOf: (request) => (request.params as { userId?: number }).userId,
};
export const userInQuery: ActsFor = {
  userIdOf: (request) => (request.query as { userId?: number }).userId,
};
/** For routes without the gate: the owner of the X-Queue-Token (its signature checked, nothing else). */
export function userOfQueueToken(queue: Pick<QueueService, 'authenticate'>): ActsFor {
  return { queueUserOf: (request) => queue.authenticate(queueTokenOf(request)).userId };
}

/** The 401/503 of identity, with the headers RFC 6750 and RFC 9110 ask for. */
function decorate(error: unknown, reply: FastifyReply): unknown {
  if (error instanceof AuthError) reply.header('WWW-Authenticate', error.challenge());
  else if (error instanceof AppError && error.status === 503) reply.header('Retry-After', '5');
  return error;
}

/** Verifies the bearer JWT before the body is even read: an anonymous request costs no parsing. */
function authenticateHook(identity: IdentityService): onRequestAsyncHookHandler {
  return async (request, reply) => {
    try {
      request.caller = await identity.authenticate(request.headers.authorization);
    } catch (error) {
      throw decorate(error, reply);
    }
  };
}

function mismatch(caller: Caller, userId: number | undefined, code: string, what: string): void {
  if (userId !== undefined && userId !== caller.userId) {
    throw forbidden(code, `${what} ${userId}, not the authenticated user ${caller.userId}.`);
  }
}

function actsForHook({ userIdOf, queueUserOf }: ActsFor): preHandlerAsyncHookHandler {
  return async (request) => {
    const caller = request.caller!;
    mismatch(caller, userIdOf?.(request), 'USER_MISMATCH', 'The request acts for user');
    mismatch(caller, queueUserOf?.(request), 'QUEUE_TOKEN_USER_MISMATCH', 'The queue token belongs to user');
  };
}

/** After the queue gate: its token must be the caller's too. */
const queueOwnerHook: preHandlerAsyncHookHandler = async (request) => {
  mismatch(
    request.caller!,
    request.queueUser?.userId,
    'QUEUE_TOKEN_USER_MISMATCH',
    'The queue token belongs to user',
  );
};

const list = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

export const BEARER_SCHEME = 'bearerAuth';

/** OpenAPI components.securitySchemes: the scheme is always described, routes use it in jwt mode. */
export const bearerSecuritySchemes = {
  [BEARER_SCHEME]: {
    type: 'http' as const,
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Required when the server runs with AUTH_MODE=jwt, by every route that names or acts for a user ' +
      "(this document then lists it on them) and by GET /me. The user is the JWT's `sub` (AUTH_USER_CLAIM), a " +
      "positive integer. With AUTH_MODE=none (demo) the header is ignored and the request's userId is trusted.",
  },
};

/**
 * In AUTH_MODE=jwt, wraps every route that declares `config.actsFor`: verification first
 * (onRequest), then the user check, the route's own preHandlers (the queue gate), and the
 * gate's user against the caller. Also documents the bearer scheme and the answers it adds.
 * Must be registered before the routes.
 */
export function registerIdentity(app: FastifyInstance, identity: IdentityService): void {
  if (identity.mode !== 'jwt') return;
  app.addHook('onRoute', (route: RouteOptions) => {
    const actsFor = route.config?.actsFor;
    if (!actsFor) return;
    route.onRequest = [authenticateHook(identity), ...list(route.onRequest)];
    route.preHandler = [actsForHook(actsFor), ...list(route.preHandler), queueOwnerHook];
    if (route.schema) {
      const schema = route.schema as { security?: unknown; response?: Record<number, unknown> };
      schema.security = [{ [BEARER_SCHEME]: [] }];
      schema.response = { ...problems(401, 403, 503), ...schema.response };
    }
  });
}

/** For preHandlers of routes outside `actsFor` (e.g. GET /me): the caller, or 401/503. */
export async function callerOf(
  identity: IdentityService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Caller> {
  try {
    return await identity.authenticate(request.headers.authorization);
  } catch (error) {
    throw decorate(error, reply);
  }
}

/**
 * For the operator gate of /admin/...: true when AUTH_MODE=jwt and the request's
 * `Authorization: Bearer` is a valid JWT whose roles claim (AUTH_ROLES_CLAIM) contains
 * AUTH_ADMIN_ROLE. False for anything else (no header, ADMIN_TOKEN, an invalid or expired
 * JWT, a JWT without the role); it never throws, so the admin gate keeps its own answers.
 */
export async function operatorFromRequest(
  identity: IdentityService,
  request: FastifyRequest,
): Promise<boolean> {
  return (await identity.operatorSubject(request.headers.authorization)) !== undefined;
}

/**
 * The same as an operator check of the /admin gate's list (`OperatorCheck` of the sales
 * work): `{ id: 'jwt:<sub>' }` for the audit log when the JWT carries the admin role, else
 * undefined so that the next check (ADMIN_TOKEN) may try.
 */
export function jwtOperatorCheck(identity: IdentityService) {
  return async (request: FastifyRequest): Promise<{ id: string } | undefined> => {
    const subject = await identity.operatorSubject(request.headers.authorization);
    return subject === undefined ? undefined : { id: `jwt:${subject}` };
  };
}
