import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('sales configuration', () => {
  it('has the operator API off and a ticket limit of 4 by default', () => {
    expect(loadConfig({})).toMatchObject({ adminToken: undefined, ticketLimitPerUser: 4 });
    expect(
      loadConfig({ ADMIN_TOKEN: 'operator-secret-0123456789', TICKET_LIMIT_PER_USER: '6' }),
    ).toMatchObject({
      adminToken: 'operator-secret-0123456789',
      ticketLimitPerUser: 6,
    });
  });

  it.each([
    ['ADMIN_TOKEN', 'short'],
    ['TICKET_LIMIT_PER_USER', '0'],
    ['TICKET_LIMIT_PER_USER', 'four'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
