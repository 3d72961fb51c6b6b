import { createPublicKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Everything stagedoor can be told from the environment, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Root only: where PostgreSQL's binaries and clusters go when the `postgres` user cannot reach them. */
  readonly embeddedPgRuntimeDir: string | undefined;
  /** External PostgreSQL; when absent the app starts an embedded server under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dbPoolSize: number;
  /** External Redis for the queue store; when absent the queue lives in process memory. */
  readonly redisUrl: string | undefined;
  /** REDIS_CLUSTER_NODES ("host:port,host:port"): the queue store on a Redis Cluster; wins over REDIS_URL. */
  readonly redisClusterNodes: readonly string[] | undefined;
  readonly redisKeyPrefix: string;
  /** HMAC secret for queue tokens; embedded mode generates and keeps one in `dataDir` when unset. */
  readonly queueTokenSecret: string | undefined;
  readonly queueName: string;
  readonly queueTickMs: number;
  readonly queueAdmitPerTick: number;
  readonly queueMaxActive: number;
  readonly queueActiveTtlSeconds: number;
  readonly queueIdleTimeoutSeconds: number;
  /** An admitted user with no activity for this long loses the active slot early; 0 = off. */
  readonly queueActiveIdleSeconds: number;
  /** `fixed`: rooms admit at their set rate; `adaptive`: a controller follows the back end's health. */
  readonly queueAdmissionMode: 'fixed' | 'adaptive';
  /** Adaptive admission: the floor of a room's rate (users per tick) and the holds/payments p99 it keeps under. */
  readonly queueAdaptiveMinPerTick: number;
  readonly queueAdaptiveP99Ms: number;
  /** Adaptive admission: the share of 5xx answers (percent) above which the rate goes down. */
  readonly queueAdaptiveMax5xxPercent: number;
  /** Leading zero bits a join's proof-of-work needs (GET /waiting/challenge); 0: no proof asked. */
  readonly queuePowDifficulty: number;
  readonly holdSeconds: number;
  readonly holdSweepIntervalMs: number;
  readonly scheduleCacheTtlMs: number;
  readonly chargeMin: number;
  readonly chargeMax: number;
  readonly chargeMonthlyLimit: number;
  readonly chargeTimeZone: string;
  readonly idempotencyTtlHours: number;
  readonly seedUsers: number;
  /** Concerts the seed creates: the demo catalog's 3, then generated ones. */
  readonly seedConcerts: number;
  readonly logLevel: string;
  /** Bearer token of the operator API; unset: every `/admin/...` route answers 404. */
  readonly adminToken: string | undefined;
  /** Seats (held + confirmed) one user may have per concert unless the concert overrides it. */
  readonly ticketLimitPerUser: number;
  /** Who the caller is: `none` trusts the request's userId (demo), `jwt` verifies a bearer JWT. */
  readonly auth: AuthConfig;
  /** Every request is answered within this (503 REQUEST_TIMEOUT past it); 0 = no deadline. */
  readonly requestDeadlineMs: number;
  /** A request slower than this is logged (warn, with its request id); 0 = never. */
  readonly logSlowRequestMs: number;
  /** HTTP worker processes (node:cluster); 1 = no cluster. More than one needs `redisUrl`. */
  readonly workers: number;
  /** Load shedding (503 OVERLOADED / STORE_UNAVAILABLE); each limit 0 = off. */
  readonly shedMaxEventLoopDelayMs: number;
  /** Unset: 90% of V8's heap limit (set by the plugin from the running process). */
  readonly shedMaxHeapUsedBytes: number | undefined;
  readonly shedMaxRssBytes: number;
  /** How often the stores are pinged for shedding; 0 = no store health check. */
  readonly shedHealthCheckIntervalMs: number;
  /** Rate limits per client per minute; 0 = off. */
  readonly rateLimitIssuePerMinute: number;
  readonly rateLimitWritePerMinute: number;
  /** Proxies in front whose X-Forwarded-For is believed (hops); 0 = the socket's address is the client. */
  readonly trustProxyHops: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
  }
  return raw;
}

function absolutePath(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && !path.isAbsolute(raw))
    throw new ConfigError(name, `expected an absolute path, got "${raw}"`);
  return raw;
}

function clusterNodes(env: Env, name: string): string[] | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const nodes = raw.split(',').map((node) => node.trim());
  for (const node of nodes) {
    if (!/^[\w.-]+:\d{1,5}$/.test(node)) throw new ConfigError(name, `expected host:port, got "${node}"`);
  }
  return nodes;
}

function timeZone(env: Env, name: string, fallback: string): string {
  const zone = text(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new ConfigError(name, `unknown time zone "${zone}"`);
  }
  return zone;
}

function adminToken(env: Env): string | undefined {
  const token = text(env, 'ADMIN_TOKEN');
  if (token !== undefined && token.length < 16)
    throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters');
  return token;
}

function admissionMode(env: Env): 'fixed' | 'adaptive' {
  const mode = text(env, 'QUEUE_ADMISSION_MODE') ?? 'fixed';
  if (mode !== 'fixed' && mode !== 'adaptive')
    throw new ConfigError('QUEUE_ADMISSION_MODE', 'expected fixed or adaptive');
  return mode;
}

/** `WORKERS`: a count or `auto` (one per core); more than one process must share state in Redis. */
function workers(env: Env, hasRedis: boolean): number {
  const raw = text(env, 'WORKERS');
  const count = raw === 'auto' ? os.availableParallelism() : integer(env, 'WORKERS', 1, 1, 1024);
  if (count > 1 && !hasRedis) {
    throw new ConfigError(
      'WORKERS',
      `${count} workers need REDIS_URL: the queue and seat versions must be shared between processes ` +
        '(set REDIS_URL, or WORKERS=1)',
    );
  }
  return count;
}

/** Reads and validates the environment; throws `ConfigError` naming the first bad variable. */
/** DB_POOL_SIZE's default on the embedded PostgreSQL (10 on DATABASE_URL). */
export const EMBEDDED_POOL_SIZE = 40;

export function loadConfig(env: Env = process.env): Config {
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const secret = text(env, 'QUEUE_TOKEN_SECRET');
  if (secret !== undefined && secret.length < 16) {
    throw new ConfigError('QUEUE_TOKEN_SECRET', 'must be at least 16 characters');
  }
  const queueName = text(env, 'QUEUE_NAME') ?? 'main';
  if (!/^[\w-]{1,64}$/.test(queueName)) {
    throw new ConfigError('QUEUE_NAME', 'letters, digits, "_" and "-" only (1..64)');
  }
  const chargeMin = integer(env, 'CHARGE_MIN', 1_000, 1);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const chargeMax = integer(env, 'CHARGE_MAX', 1_000_000, chargeMin);
  const config: Config = {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: text(env, 'HOST') ?? '0.0.0.0',
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    embeddedPgRuntimeDir: absolutePath(env, 'EMBEDDED_PG_RUNTIME_DIR'),
    databaseUrl,
    // The embedded cluster is this process's alone (max_connections 100): more connections let
    // more commits share one WAL flush when the disk is slow (README "Where the time goes").
    // An external server's connections are shared with every process and tool: 10 each.
    dbPoolSize: integer(env, 'DB_POOL_SIZE', databaseUrl ? 10 : EMBEDDED_POOL_SIZE, 1, 500),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisClusterNodes: clusterNodes(env, 'REDIS_CLUSTER_NODES'),
    redisKeyPrefix: text(env, 'REDIS_KEY_PREFIX') ?? 'sd:',
    queueTokenSecret: secret,
    queueName,
    queueTickMs: integer(env, 'QUEUE_TICK_MS', 1000, 10, 60_000),
    queueAdmitPerTick: integer(env, 'QUEUE_ADMIT_PER_TICK', 100, 1, 100_000),
    queueMaxActive: integer(env, 'QUEUE_MAX_ACTIVE', 1000, 1, 10_000_000),
    queueActiveTtlSeconds: integer(env, 'QUEUE_ACTIVE_TTL_SECONDS', 600, 1, 86_400),
    queueIdleTimeoutSeconds: integer(env, 'QUEUE_IDLE_TIMEOUT_SECONDS', 60, 1, 86_400),
    // Two minutes: a fan choosing seats loads the seat map or holds within that; a hold keeps the
    // slot for its whole life, and a warning comes 30 s before (README "Slots freed by people who left").
    queueActiveIdleSeconds: integer(env, 'QUEUE_ACTIVE_IDLE_SECONDS', 120, 0, 86_400),
    queueAdmissionMode: admissionMode(env),
    queueAdaptiveMinPerTick: integer(env, 'QUEUE_ADAPTIVE_MIN_PER_TICK', 1, 0, 100_000),
    queueAdaptiveP99Ms: integer(env, 'QUEUE_ADAPTIVE_P99_MS', 800, 10, 600_000),
    queueAdaptiveMax5xxPercent: integer(env, 'QUEUE_ADAPTIVE_MAX_5XX_PERCENT', 2, 0, 100),
    queuePowDifficulty: integer(env, 'QUEUE_POW_DIFFICULTY', 0, 0, 32),
    holdSeconds: integer(env, 'HOLD_SECONDS', 300, 1, 86_400),
    holdSweepIntervalMs: integer(env, 'HOLD_SWEEP_INTERVAL_MS', 5000, 10, 3_600_000),
    scheduleCacheTtlMs: integer(env, 'SCHEDULE_CACHE_TTL_MS', 1000, 0, 1000),
    chargeMin,
    chargeMax,
    chargeMonthlyLimit: integer(env, 'CHARGE_MONTHLY_LIMIT', 3_000_000, chargeMax),
    chargeTimeZone: timeZone(env, 'CHARGE_TIME_ZONE', 'Asia/Seoul'),
    idempotencyTtlHours: integer(env, 'IDEMPOTENCY_TTL_HOURS', 24, 24, 24 * 365),
    seedUsers: integer(env, 'SEED_USERS', 10_000, 0, 10_000_000),
    seedConcerts: integer(env, 'SEED_CONCERTS', 3, 0, 100_000),
    logLevel,
    adminToken: adminToken(env),
    ticketLimitPerUser: integer(env, 'TICKET_LIMIT_PER_USER', 4, 1, 100_000),
    auth: authConfig(env),
    requestDeadlineMs: integer(env, 'REQUEST_DEADLINE_MS', 10_000, 0, 600_000),
    logSlowRequestMs: integer(env, 'LOG_SLOW_REQUEST_MS', 1000, 0, 600_000),
    workers: workers(env, text(env, 'REDIS_URL') !== undefined),
    shedMaxEventLoopDelayMs: integer(env, 'SHED_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
    shedMaxHeapUsedBytes:
      text(env, 'SHED_MAX_HEAP_USED_MB') === undefined
        ? undefined
        : integer(env, 'SHED_MAX_HEAP_USED_MB', 0, 0, 1_000_000) * 1024 * 1024,
    shedMaxRssBytes: integer(env, 'SHED_MAX_RSS_MB', 0, 0, 1_000_000) * 1024 * 1024,
    // Off by default: each request already answers a store outage with a precise 503 within 2 s.
    shedHealthCheckIntervalMs: integer(env, 'SHED_HEALTH_CHECK_INTERVAL_MS', 0, 0, 60_000),
    rateLimitIssuePerMinute: integer(env, 'RATE_LIMIT_ISSUE_PER_MINUTE', 120, 0, 1_000_000),
    rateLimitWritePerMinute: integer(env, 'RATE_LIMIT_WRITE_PER_MINUTE', 120, 0, 1_000_000),
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
  };
  return Object.freeze(config);
}

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** Where the keys that verify a JWT come from: exactly one of the three. */
export type JwtKeySource =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'jwks'; readonly url: string; readonly cooldownSeconds: number }
  | { readonly kind: 'publicKey'; readonly pem: string };

export type AuthConfig =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'jwt';
      readonly key: JwtKeySource;
      /** Algorithms accepted; anything else (and `none`) is refused. */
      readonly algorithms: readonly JwtAlgorithm[];
      readonly issuer: string | undefined;
      readonly audience: string | undefined;
      readonly clockSkewSeconds: number;
      /** A verified token is answered from memory for at most this long (0: verify every time). */
      readonly cacheSeconds: number;
      /** The claim holding the user id (a positive integer): `sub` by default. */
      readonly userClaim: string;
      /** The claim listing the caller's roles (dotted path allowed, e.g. `realm_access.roles`). */
      readonly rolesClaim: string;
      /** A JWT whose roles include this one opens `/admin/...`, beside ADMIN_TOKEN. */
      readonly adminRole: string;
    };

const ASYMMETRIC: readonly JwtAlgorithm[] = ['RS256', 'ES256'];
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const CLAIM_PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;

function claimName(env: Env, name: string, fallback: string): string {
  const value = text(env, name) ?? fallback;
  if (!CLAIM_PATH.test(value)) throw new ConfigError(name, `not a claim name: "${value}"`);
  return value;
}

function asymmetricAlgorithms(env: Env): JwtAlgorithm[] {
  const raw = text(env, 'AUTH_JWT_ALGORITHMS') ?? ASYMMETRIC.join(',');
  const list = raw.split(',').map((item) => item.trim());
  for (const item of list) {
    if (!ASYMMETRIC.includes(item as JwtAlgorithm)) {
      throw new ConfigError('AUTH_JWT_ALGORITHMS', `expected RS256 and/or ES256, got "${item}"`);
    }
  }
  return [...new Set(list as JwtAlgorithm[])];
}

/** The PEM must parse as a public key of the one algorithm configured for it. */
function publicKeyPem(env: Env, algorithms: JwtAlgorithm[]): string {
  const pem = text(env, 'AUTH_JWT_PUBLIC_KEY')!.replaceAll('\\n', '\n');
  if (algorithms.length !== 1) {
    throw new ConfigError('AUTH_JWT_ALGORITHMS', 'name exactly one algorithm (RS256 or ES256) for a PEM key');
  }
  let type: string | undefined;
  let curve: string | undefined;
  try {
    const key = createPublicKey(pem);
    type = key.asymmetricKeyType;
    curve = key.asymmetricKeyDetails?.namedCurve;
  } catch {
    throw new ConfigError('AUTH_JWT_PUBLIC_KEY', 'not a PEM public key');
  }
  const fits = algorithms[0] === 'RS256' ? type === 'rsa' : type === 'ec' && curve === 'prime256v1';
  if (!fits) throw new ConfigError('AUTH_JWT_PUBLIC_KEY', `not a key for ${algorithms[0]} (got ${type})`);
  return pem;
}

function authConfig(env: Env): AuthConfig {
  const mode = text(env, 'AUTH_MODE') ?? 'none';
  if (mode === 'none') return { mode };
  if (mode !== 'jwt') throw new ConfigError('AUTH_MODE', `expected none or jwt, got "${mode}"`);
  const sources = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_JWT_PUBLIC_KEY'].filter((name) =>
    text(env, name),
  );
  if (sources.length !== 1) {
    throw new ConfigError(
      'AUTH_MODE',
      `jwt needs exactly one of AUTH_JWT_SECRET, AUTH_JWKS_URL, AUTH_JWT_PUBLIC_KEY (got ${sources.length})`,
    );
  }
  let key: JwtKeySource;
  let algorithms: JwtAlgorithm[];
  const secret = text(env, 'AUTH_JWT_SECRET');
  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      throw new ConfigError('AUTH_JWT_SECRET', 'must be at least 32 bytes');
    }
    if (text(env, 'AUTH_JWT_ALGORITHMS') !== undefined && text(env, 'AUTH_JWT_ALGORITHMS') !== 'HS256') {
      throw new ConfigError('AUTH_JWT_ALGORITHMS', 'a secret verifies HS256 only');
    }
    key = { kind: 'secret', secret };
    algorithms = ['HS256'];
  } else if (text(env, 'AUTH_JWKS_URL') !== undefined) {
    algorithms = asymmetricAlgorithms(env);
    const jwksUrl = url(env, 'AUTH_JWKS_URL', ['https:', 'http:'])!;
    // Keys fetched in clear text could be swapped on the way; plain http only for a local provider.
    if (!jwksUrl.startsWith('https:') && !LOOPBACK.includes(new URL(jwksUrl).hostname)) {
      throw new ConfigError('AUTH_JWKS_URL', 'https is required unless the host is localhost');
    }
    key = {
      kind: 'jwks',
      url: jwksUrl,
      cooldownSeconds: integer(env, 'AUTH_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
    };
  } else {
    algorithms = asymmetricAlgorithms(env);
    key = { kind: 'publicKey', pem: publicKeyPem(env, algorithms) };
  }
  return {
    mode,
    key,
    algorithms,
    issuer: text(env, 'AUTH_JWT_ISSUER'),
    audience: text(env, 'AUTH_JWT_AUDIENCE'),
    clockSkewSeconds: integer(env, 'AUTH_CLOCK_SKEW_SECONDS', 30, 0, 300),
    cacheSeconds: integer(env, 'AUTH_JWT_CACHE_SECONDS', 60, 0, 3600),
    userClaim: claimName(env, 'AUTH_USER_CLAIM', 'sub'),
    rolesClaim: claimName(env, 'AUTH_ROLES_CLAIM', 'roles'),
    adminRole: text(env, 'AUTH_ADMIN_ROLE') ?? 'admin',
  };
}
