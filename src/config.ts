import path from 'node:path';

/** Everything stagedoor can be told from the environment, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** External PostgreSQL; when absent the app starts an embedded server under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dbPoolSize: number;
  /** External Redis for the queue store; when absent the queue lives in process memory. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  /** HMAC secret for queue tokens; embedded mode generates and keeps one in `dataDir` when unset. */
  readonly queueTokenSecret: string | undefined;
  readonly queueName: string;
  readonly queueTickMs: number;
  readonly queueAdmitPerTick: number;
  readonly queueMaxActive: number;
  readonly queueActiveTtlSeconds: number;
  readonly queueIdleTimeoutSeconds: number;
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

function timeZone(env: Env, name: string, fallback: string): string {
  const zone = text(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new ConfigError(name, `unknown time zone "${zone}"`);
  }
  return zone;
}

/** Reads and validates the environment; throws `ConfigError` naming the first bad variable. */
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
  const chargeMax = integer(env, 'CHARGE_MAX', 1_000_000, chargeMin);
  const config: Config = {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: text(env, 'HOST') ?? '0.0.0.0',
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: text(env, 'REDIS_KEY_PREFIX') ?? 'sd:',
    queueTokenSecret: secret,
    queueName,
    queueTickMs: integer(env, 'QUEUE_TICK_MS', 1000, 10, 60_000),
    queueAdmitPerTick: integer(env, 'QUEUE_ADMIT_PER_TICK', 100, 1, 100_000),
    queueMaxActive: integer(env, 'QUEUE_MAX_ACTIVE', 1000, 1, 10_000_000),
    queueActiveTtlSeconds: integer(env, 'QUEUE_ACTIVE_TTL_SECONDS', 600, 1, 86_400),
    queueIdleTimeoutSeconds: integer(env, 'QUEUE_IDLE_TIMEOUT_SECONDS', 60, 1, 86_400),
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
  };
  return Object.freeze(config);
}
