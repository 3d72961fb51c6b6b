import { performance } from 'node:perf_hooks';

/** One request and its answer (or why there was none), as the client saw it. */
export interface Exchange {
  id: number;
  fan: number;
  /** What the fan was doing: issue, check, seats, hold, charge, pay, release, refund. */
  op: string;
  app: string;
  method: string;
  path: string;
  key?: string;
  body?: unknown;
  /** ms since the run started. */
  start: number;
  end: number;
  status?: number;
  /** No answer: `timeout` (the client gave up) or `network` (refused, reset). */
  error?: 'timeout' | 'network';
  errorDetail?: string;
  response?: unknown;
  retryAfter?: string;
  replayed?: boolean;
}

export class History {
  readonly exchanges: Exchange[] = [];
  private readonly t0 = performance.now();

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  /** Sends one request with a deadline and records it, whatever happens. */
  async send(request: {
    fan: number;
    op: string;
    app: { name: string; url: string };
    method: string;
    path: string;
    headers?: Record<string, string>;
    key?: string;
    body?: unknown;
    timeoutMs: number;
  }): Promise<Exchange> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.key) headers['idempotency-key'] = request.key;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const exchange: Exchange = {
      id: this.exchanges.length,
      fan: request.fan,
      op: request.op,
      app: request.app.name,
      method: request.method,
      path: request.path,
      ...(request.key ? { key: request.key } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      start: this.now(),
      end: 0,
    };
    this.exchanges.push(exchange);
    try {
      const response = await fetch(`${request.app.url}${request.path}`, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const text = await response.text();
      exchange.status = response.status;
      try {
        exchange.response = JSON.parse(text);
      } catch {
        exchange.response = text.slice(0, 200);
      }
      const retryAfter = response.headers.get('retry-after');
      if (retryAfter !== null) exchange.retryAfter = retryAfter;
      if (response.headers.get('idempotent-replayed') === 'true') exchange.replayed = true;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      exchange.error = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
      const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
      exchange.errorDetail = cause?.code ?? (error instanceof Error ? error.message : String(error));
    }
    exchange.end = this.now();
    return exchange;
  }
}

export const codeOf = (exchange: Exchange): string | undefined =>
  (exchange.response as { code?: string } | undefined)?.code;

export const isOk = (exchange: Exchange) => exchange.status !== undefined && exchange.status < 300;
