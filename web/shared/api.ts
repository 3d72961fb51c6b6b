/** The public API over fetch: JSON in and out, problem+json turned into an ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    /** Seconds from a Retry-After header, when the server sent one. */
    readonly retryAfter: number | null,
  ) {
    super(detail);
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Adds an Idempotency-Key; pass the same key again only to retry the same step. */
  idempotencyKey?: string;
}

/** Bearer credential for every call (a fan's JWT or the operator's key), kept by the caller. */
let bearer: () => string | null = () => null;
export function useBearer(source: () => string | null): void {
  bearer = source;
}

export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const credential = bearer();
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', String(error), null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const problem = (parsed ?? {}) as { code?: string; detail?: string };
    const retry = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      problem.code ?? (response.status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'),
      problem.detail ?? response.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
  return parsed as T;
}

/** A fresh Idempotency-Key (random UUID where the browser offers one, e.g. on plain-HTTP LAN addresses it does not). */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
