import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config.js';
import { parseTtl, signDevToken } from './dev-token.js';

/**
 * `npm run token -- --user 42 [--role admin]... [--ttl 1h]`: prints a development JWT signed
 * with the configured AUTH_JWT_SECRET (AUTH_MODE=jwt), with the configured issuer/audience.
 */
function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    role: { type: 'string', multiple: true, default: [] },
    ttl: { type: 'string', default: '1h' },
  },
});
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
  throw error;
}
const userId = Number(values.user);
if (!values.user || !/^[1-9]\d*$/.test(values.user) || !Number.isSafeInteger(userId)) {
  fail('--user <positive integer user id> is required');
}
const ttlSeconds =
  parseTtl(values.ttl) ?? fail(`--ttl: expected e.g. 90, 90s, 15m, 1h or 7d, got "${values.ttl}"`);
const { auth } = config;
if (auth.mode !== 'jwt' || auth.key.kind !== 'secret') {
  fail('set AUTH_MODE=jwt and AUTH_JWT_SECRET (≥ 32 bytes) to sign development tokens');
}
const token = await signDevToken(auth, { userId, roles: values.role, ttlSeconds, now: Date.now() });
process.stdout.write(`${token}\n`);
