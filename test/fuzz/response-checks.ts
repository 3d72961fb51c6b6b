import type { Response } from 'light-my-request';

/** Why this answer breaks the API's error contract, or undefined when it keeps it. */
export function responseProblem(response: Response, codes: Map<string, number[]>): string | undefined {
  const status = response.statusCode;
  if (status >= 500) return `answered ${status}`;
  if (status < 400) return undefined;
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `a ${status} with content-type "${type}"`;
  let body: { code?: unknown; status?: unknown };
  try {
    body = response.json();
  } catch {
    return `a ${status} whose body is not JSON`;
  }
  if (typeof body.code !== 'string') return `a ${status} problem without a code`;
  const documented = codes.get(body.code);
  if (!documented) return `code ${body.code} is not in the README's error table`;
  if (!documented.includes(status))
    return `code ${body.code} answered ${status}; the README says ${documented.join('/')}`;
  if (body.status !== status)
    return `problem status ${String(body.status)} differs from the HTTP status ${status}`;
  return undefined;
}

/**
 * Two answers to the same request with the same Idempotency-Key. Sent one after the
 * other, a 2xx first answer must come back unchanged and marked as replayed. Sent
 * together, the effect still happens once: two 2xx answers are the same answer.
 */
export function sameReplay(first: Response, second: Response, sequential: boolean): string | undefined {
  const ok = (r: Response) => r.statusCode >= 200 && r.statusCode < 300;
  if (sequential && ok(first)) {
    if (second.statusCode !== first.statusCode || second.body !== first.body)
      return 'a retry with the same Idempotency-Key did not get the first answer back';
    if (second.headers['idempotent-replayed'] !== 'true')
      return 'a replayed answer lacks Idempotent-Replayed: true';
  }
  if (!sequential && ok(first) && ok(second) && first.body !== second.body)
    return 'two concurrent requests with one Idempotency-Key both took effect';
  return undefined;
}
