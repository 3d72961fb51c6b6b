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
