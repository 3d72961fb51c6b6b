import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { unauthorized } from '../errors.js';

/** Who changed something, as the audit log records it. */
export interface Operator {
  /** e.g. `admin-token`; a JWT check would give `jwt:<sub>`. */
  id: string;
}

/**
 * One way to recognise an operator: the operator when the request proves it, else
 * undefined (let the next check try). The ADMIN_TOKEN check is one; the identity work
 * adds a JWT-role check to the same list in buildApp.
 */
export type OperatorCheck = (request: FastifyRequest) => Operator | undefined | Promise<Operator | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the operator gate on `/admin/...` routes. */
    operator?: Operator;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer[ ]+(\S+)[ ]*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are hashed first, so the comparison
 * takes the same time whatever the token's length or how much of it matches.
 */
export function adminTokenCheck(adminToken: string): OperatorCheck {
  const expected = digest(adminToken);
  return (request) => {
    const token = bearerToken(request);
    if (token === undefined) return undefined;
    return timingSafeEqual(digest(token), expected) ? { id: 'admin-token' } : undefined;
  };
}

/**
 * The gate of every `/admin/...` route, run at onRequest (before the body is read): the
 * first check that recognises an operator wins; none → 401 problem+json with
 * `WWW-Authenticate: Bearer`. With no checks configured the routes are not registered
 * at all (404), see buildApp.
 */
export function operatorGate(checks: readonly OperatorCheck[]): onRequestAsyncHookHandler {
  return async (request, reply) => {
    for (const check of checks) {
      const operator = await check(request);
      if (operator) {
        request.operator = operator;
        return;
      }
    }
    reply.header('WWW-Authenticate', 'Bearer realm="stagedoor-admin"');
    throw unauthorized(
      'OPERATOR_UNAUTHORIZED',
      'The operator API needs Authorization: Bearer <operator token>.',
    );
  };
}
