import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, shot, startServer } from './browser.js';

type Server = Awaited<ReturnType<typeof startServer>>;
const SECRET = 'e2e-jwt-secret-0123456789abcdef-0123456789abcdef';

/** AUTH_MODE=jwt: the embedding site hands the page a JWT as /#jwt=…; the page acts as that user only. */
describe('a fan signed in by the embedding site (AUTH_MODE=jwt)', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, QUEUE_TICK_MS: '500' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes the JWT from the fragment, keeps it in this tab only, and buys a seat as its user', async () => {
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('5000')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    const { context, page } = await openPage(browser, `${server.url}/#jwt=${jwt}`, {
      locale: 'en-US',
      viewport: DESKTOP,
    });
    await page.getByText('Signed in as user 5000').waitFor();
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('sd.jwt'))).toBe(jwt);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(jwt);
    expect(await page.locator('#user-id').count()).toBe(0);
    await page
      .getByRole('button', { name: /Choose this date/ })
      .first()
      .click();
    await shot(page, 'jwt-1-signed-in');
    await page.getByRole('button', { name: 'Join the line', exact: true }).click();
    await page.locator('#seat-map button.seat.available').first().click({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Hold selected seats' }).click();
    await page.locator('#pay').waitFor();
    // A user first seen through a JWT starts at 0 won: the top-up is the whole price.
    await expect.poll(() => page.locator('#charge-amount').inputValue()).toBe('80000');
    await page.getByRole('button', { name: 'Top up', exact: true }).click();
    await page.getByText('Topped up ₩80,000.').waitFor();
    await page.locator('#pay').click();
    await page.getByRole('heading', { name: /Payment complete/ }).waitFor();
    await shot(page, 'jwt-2-paid');
    await context.close();
  });
});
