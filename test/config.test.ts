import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('has embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      queueTickMs: 1000,
      holdSeconds: 300,
      seedUsers: 10_000,
      chargeMin: 1000,
      chargeMax: 1_000_000,
      chargeMonthlyLimit: 3_000_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.auth).toEqual({ mode: 'none' });
  });

  const SECRET = 'a-secret-of-at-least-32-bytes-0123456789';
  it('reads AUTH_MODE=jwt with a secret, its claims and skew', () => {
    expect(
      loadConfig({ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://id/' }).auth,
    ).toEqual({
      mode: 'jwt',
      key: { kind: 'secret', secret: SECRET },
      algorithms: ['HS256'],
      issuer: 'https://id/',
      audience: undefined,
      clockSkewSeconds: 30,
      cacheSeconds: 60,
      userClaim: 'sub',
      rolesClaim: 'roles',
      adminRole: 'admin',
    });
    const jwks = loadConfig({ AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'https://id/.well-known/jwks.json' }).auth;
    expect(jwks).toMatchObject({
      key: { kind: 'jwks', cooldownSeconds: 30 },
      algorithms: ['RS256', 'ES256'],
    });
  });

  const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  it.each([
    ['AUTH_MODE', { AUTH_MODE: 'oauth' }],
    ['AUTH_MODE', { AUTH_MODE: 'jwt' }],
    ['AUTH_MODE', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://id/jwks' }],
    ['AUTH_JWT_SECRET', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'only-31-bytes-long-0123456789ab' }],
    ['AUTH_JWT_ALGORITHMS', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_JWT_ALGORITHMS: 'RS256' }],
    ['AUTH_JWKS_URL', { AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'ftp://id/jwks' }],
    ['AUTH_JWKS_URL', { AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'http://id.example/jwks' }],
    [
      'AUTH_JWT_ALGORITHMS',
      { AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'https://id/jwks', AUTH_JWT_ALGORITHMS: 'none' },
    ],
    [
      'AUTH_JWT_ALGORITHMS',
      { AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'https://id/jwks', AUTH_JWT_ALGORITHMS: 'HS256' },
    ],
    [
      'AUTH_JWT_PUBLIC_KEY',
      { AUTH_MODE: 'jwt', AUTH_JWT_PUBLIC_KEY: 'not a pem', AUTH_JWT_ALGORITHMS: 'RS256' },
    ],
    ['AUTH_JWT_PUBLIC_KEY', { AUTH_MODE: 'jwt', AUTH_JWT_PUBLIC_KEY: RSA_PEM, AUTH_JWT_ALGORITHMS: 'ES256' }],
    ['AUTH_JWT_ALGORITHMS', { AUTH_MODE: 'jwt', AUTH_JWT_PUBLIC_KEY: RSA_PEM }],
    [
      'AUTH_CLOCK_SKEW_SECONDS',
      { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_CLOCK_SKEW_SECONDS: '3600' },
    ],
    ['AUTH_ROLES_CLAIM', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_ROLES_CLAIM: 'a..b' }],
    ['AUTH_USER_CLAIM', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_USER_CLAIM: '$sub' }],
  ])('rejects a bad identity setting, naming %s', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}: `));
  });

  it('accepts an RS256 PEM key named with its algorithm', () => {
    const auth = loadConfig({
      AUTH_MODE: 'jwt',
      AUTH_JWT_PUBLIC_KEY: RSA_PEM,
      AUTH_JWT_ALGORITHMS: 'RS256',
    }).auth;
    expect(auth).toMatchObject({ key: { kind: 'publicKey' }, algorithms: ['RS256'] });
  });

  it('WORKERS: a count or auto; more than one refuses to run without REDIS_URL', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '3', REDIS_URL: 'redis://r:6379' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: 'auto', REDIS_URL: 'redis://r:6379' }).workers).toBeGreaterThanOrEqual(1);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/^WORKERS: .*REDIS_URL/);
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(/^WORKERS: /);
  });

  it('rate limits and shedding limits are configurable, 0 = off', () => {
    const config = loadConfig({
      RATE_LIMIT_ISSUE_PER_MINUTE: '0',
      RATE_LIMIT_WRITE_PER_MINUTE: '30',
      SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
      SHED_MAX_HEAP_USED_MB: '512',
    });
    expect(config).toMatchObject({
      rateLimitIssuePerMinute: 0,
      rateLimitWritePerMinute: 30,
      shedMaxEventLoopDelayMs: 0,
      shedMaxHeapUsedBytes: 512 * 1024 * 1024,
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['QUEUE_TICK_MS', '0'],
    ['HOLD_SECONDS', '-5'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['REDIS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['QUEUE_TOKEN_SECRET', 'short'],
    ['CHARGE_TIME_ZONE', 'Mars/Olympus'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
