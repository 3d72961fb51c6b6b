import fc from 'fast-check';
import type { JsonSchema, Operation } from './openapi-model.js';
import { type Hints, nearValidObject, validObject, validValue } from './values.js';

/** A concrete HTTP request: what is sent, and what a curl command repeats. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  /** The raw body, exactly as sent. */
  body?: string;
}

/** What the fuzzer knows about the app's state; the pools change as requests succeed. */
export interface FuzzContext {
  tokenOf(userId: number): string | undefined;
  activeUsers: number[];
  waitingToken: string;
  reservations: { id: string; userId: number }[];
}

type TokenChoice = 'own' | 'other' | 'waiting' | 'forged' | 'garbage' | 'missing' | 'twice';
type KeyChoice = 'fresh' | 'pooled' | 'empty' | 'long' | 'missing' | 'twice' | 'odd';
type BodyKind = 'valid' | 'near' | 'json' | 'malformed' | 'none' | 'oversized';

/** The generated choices; turned into a FuzzRequest against the context at send time. */
export interface RequestPlan {
  op: Operation;
  params: Record<string, unknown>;
  nastyParams: boolean;
  body: BodyKind;
  value: unknown;
  raw: string;
  contentType: string | undefined;
  token: TokenChoice;
  key: KeyChoice;
  keyText: string;
}

export function hintsFor(ctx: FuzzContext): Hints {
  const pick = <T>(pool: () => T[], fallback: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: fc.nat().map((i) => pool()[i % Math.max(1, pool().length)]) }, fallback);
  return {
    userId: pick(() => ctx.activeUsers, fc.constantFrom(1, 2, 400, 401, 99_999)),
    reservationId: pick(() => ctx.reservations.map((r) => r.id), fc.uuid()),
    concertId: fc.constantFrom(1, 1, 2, 3, 4),
    scheduleId: fc.integer({ min: 1, max: 10 }),
    seatNumber: fc.integer({ min: 1, max: 50 }),
    amount: fc.oneof(
      { weight: 3, arbitrary: fc.constant(80_000) },
      fc.constantFrom(1_000, 50_000, 1_000_000, 999, 1_000_001),
      fc.integer(),
    ),
  };
}

const MALFORMED = [
  '{',
  '{"userId":',
  '[1,2',
  'nul',
  '{"a":1}}',
  "{'userId':1}",
  '\u0000',
  '{"userId":1,}',
  ' ',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'application/xml',
];

export function planArbitrary(operations: Operation[], ctx: FuzzContext): fc.Arbitrary<RequestPlan> {
  const hints = hintsFor(ctx);
  return fc.constantFrom(...operations).chain((op) => {
    const paramSchema: JsonSchema = {
      type: 'object',
      properties: Object.fromEntries(
        op.params.filter((p) => p.in !== 'header').map((p) => [p.name, p.schema]),
      ),
      required: op.params.filter((p) => p.in !== 'header' && p.required).map((p) => p.name),
    };
    const body = op.body ?? { type: 'object', properties: {} };
    const wild = fc.record({
      op: fc.constant(op),
      params: fc.oneof(
        { weight: 4, arbitrary: validObject(paramSchema, hints) },
        nearValidObject(paramSchema, hints),
      ),
      nastyParams: fc.boolean(),
      body: fc.constantFrom<BodyKind>(
        ...(op.body
          ? (['valid', 'valid', 'valid', 'near', 'near', 'json', 'malformed', 'none'] as const)
          : []),
        'none',
        'none',
        'json',
        'oversized',
      ),
      value: fc
        .oneof({ weight: 2, arbitrary: validValue(body, undefined) }, nearValidObject(body, hints))
        .chain((v) => fc.oneof({ weight: 3, arbitrary: validObject(body, hints) }, fc.constant(v))),
      raw: fc.oneof(
        fc.constantFrom(...MALFORMED),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        fc.constantFrom(...CONTENT_TYPES),
        fc.constant(undefined),
      ),
      token: fc.constantFrom<TokenChoice>(
        'own',
        'own',
        'own',
        'own',
        'other',
        'waiting',
        'forged',
        'garbage',
        'missing',
        'twice',
      ),
      key: fc.constantFrom<KeyChoice>(
        'fresh',
        'fresh',
        'fresh',
        'pooled',
        'pooled',
        'empty',
        'long',
        'missing',
        'twice',
        'odd',
      ),
      keyText: fc.oneof(fc.uuid(), fc.string({ unit: 'binary-ascii', maxLength: 40 })),
    });
    // A well-formed request with the right token and a usable key: it reaches the services and the
    // database, where the interesting answers (holds, charges, payments, their conflicts) are.
    const clean = fc.record({
      op: fc.constant(op),
      params: validObject(paramSchema, hints),
      nastyParams: fc.constant(false),
      body: fc.constant<BodyKind>(op.body ? 'valid' : 'none'),
      value: validObject(body, hints),
      raw: fc.constant(''),
      contentType: fc.constant('application/json'),
      token: fc.constant<TokenChoice>('own'),
      key: fc.constantFrom<KeyChoice>('fresh', 'fresh', 'pooled'),
      keyText: fc.uuid(),
    });
    return fc.oneof({ weight: 2, arbitrary: clean }, { weight: 3, arbitrary: wild });
  });
}

/** Header values must be Latin-1 without control characters, or Node refuses to send them. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');

function tokenHeader(plan: RequestPlan, ctx: FuzzContext, userId: number | undefined) {
  const any = ctx.activeUsers[0] ?? 1;
  const own = ctx.tokenOf(userId ?? any);
  switch (plan.token) {
    case 'own':
      return own;
    case 'other':
      return ctx.tokenOf(ctx.activeUsers.find((u) => u !== userId) ?? any);
    case 'waiting':
      return ctx.waitingToken;
    case 'forged':
      return own ? `${own.slice(0, -2)}${own.endsWith('A') ? 'BB' : 'AA'}` : 'x.y.z';
    case 'garbage':
      return headerSafe(plan.keyText);
    case 'twice':
      return own ? [own, ctx.waitingToken] : undefined;
    default:
      return undefined;
  }
}

function keyHeader(plan: RequestPlan): string | string[] | undefined {
  switch (plan.key) {
    case 'fresh':
      return `fz-${plan.keyText.length}-${Math.random().toString(36).slice(2)}`;
    case 'pooled':
      return `pooled-${plan.keyText.length % 4}`;
    case 'empty':
      return '';
    case 'long':
      return 'k'.repeat(256);
    case 'twice':
      return ['twice-a', 'twice-b'];
    case 'odd':
      return headerSafe(plan.keyText);
    default:
      return undefined;
  }
}

/** Percent-encodes as a client would; a lone surrogate (JS cannot encode it) goes as its raw bytes. */
function encode(value: unknown): string {
  const text = (typeof value === 'string' ? value : JSON.stringify(value)) ?? '';
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\u{fffd}')).replaceAll(
      '%EF%BF%BD',
      '%ED%A0%80',
    );
  }
}

/** The request the plan describes, against the pools as they are now. */
export function toRequest(plan: RequestPlan, ctx: FuzzContext): FuzzRequest {
  const { op } = plan;
  const params = plan.params as Record<string, unknown>;
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    // A nasty path also gets a broken percent-escape now and then.
    plan.nastyParams && plan.body === 'json'
      ? `${encode(params[name] ?? '')}%ZZ`
      : encode(params[name] ?? ''),
  );
  const query = op.params
    .filter((p) => p.in === 'query' && params[p.name] !== undefined)
    .map((p) => `${encodeURIComponent(p.name)}=${encode(params[p.name])}`);
  if (plan.nastyParams && query.length === 0 && op.params.some((p) => p.in === 'query')) query.push('x=%ZZ');
  if (query.length) url += `?${query.join('&')}`;

  const value = plan.value as Record<string, unknown> | undefined;
  const reservation = ctx.reservations.find((r) => r.id === value?.reservationId);
  const userIdOf = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const userId = userIdOf(params.userId) ?? userIdOf(value?.userId) ?? reservation?.userId;

  const headers: Record<string, string | string[]> = {};
  const token = tokenHeader(plan, ctx, userId);
  if (token !== undefined) headers['x-queue-token'] = token;
  const key = keyHeader(plan);
  if (key !== undefined) headers['idempotency-key'] = key;

  let body: string | undefined;
  if (plan.body === 'valid' || plan.body === 'near') body = JSON.stringify(plan.value) ?? 'null';
  else if (plan.body === 'json' || plan.body === 'malformed') body = plan.raw;
  else if (plan.body === 'oversized') body = JSON.stringify({ userId: 1, pad: 'x'.repeat(70 * 1024) });
  if (body !== undefined && plan.contentType) headers['content-type'] = plan.contentType;
  return { method: op.method, url, headers, ...(body !== undefined ? { body } : {}) };
}

/** The request as a curl command against a server on localhost:3000. */
export function toCurl(request: FuzzRequest): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const parts = ['curl -si', '-X', request.method, quote(`http://localhost:3000${request.url}`)];
  for (const [name, value] of Object.entries(request.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push('-H', quote(`${name}: ${v}`));
  }
  if (request.body !== undefined) {
    const shown =
      request.body.length > 2000
        ? `${request.body.slice(0, 2000)}…(${request.body.length} chars)`
        : request.body;
    parts.push('--data-raw', quote(shown));
  }
  return parts.join(' ');
}
