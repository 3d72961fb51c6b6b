import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, PHONE, shot, startServer } from './browser.js';

type Server = Awaited<ReturnType<typeof startServer>>;
const ADMIN_TOKEN = 'e2e-operator-key-0123456789';

/** What a datetime-local input takes, in UTC (the contexts below run in UTC). */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('an operator opens a sale while fans pre-queue', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ ADMIN_TOKEN, QUEUE_TICK_MS: '500' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates venue, concert and a date opening in 25 s; fans wait for the opening, buy; the limit changes live', async () => {
    const operator = await openPage(browser, `${server.url}/admin`, { locale: 'en-US', viewport: DESKTOP });
    const op = operator.page;
    // No key yet: the dashboard asks for it; a wrong one is refused in words.
    await op.getByLabel(/^Operator key/).fill('wrong');
    await op.getByRole('button', { name: 'Sign in' }).click();
    await op.getByText('The operator key was not accepted.').waitFor();
    await op.getByLabel(/^Operator key/).fill(ADMIN_TOKEN);
    await op.getByRole('button', { name: 'Sign in' }).click();
    await op.getByRole('heading', { name: 'Waiting room' }).waitFor();
    expect(op.url()).not.toContain(ADMIN_TOKEN);
    expect(
      await op.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('sd.admin'))),
    ).toEqual([]);

    await op.getByLabel('Venue name').fill('E2E Hall');
    await op.getByLabel(/Sections/).fill('VIP 6 150000\nA 24 70000');
    await op.getByRole('button', { name: 'Create venue' }).click();
    await op.getByText(/Created Venue #\d+/).waitFor();
    await op.getByLabel('Title').fill('E2E Night');
    await op.getByLabel('Artist').fill('The Testers');
    await op.locator('#concert-venue').selectOption({ label: 'E2E Hall' });
    await op.getByRole('button', { name: 'Create concert' }).click();
    await op.getByText(/Created Concert #\d+/).waitFor();
    const opensAt = Date.now() + 25_000;
    // The newest concert is preselected.
    expect(await op.locator('#schedule-concert option:checked').textContent()).toContain('E2E Night');
    await op.getByLabel('Show starts (local time)').fill(localInput(Date.now() + 7 * 86_400_000));
    await op.getByLabel('Sale opens (local time)').fill(localInput(opensAt));
    await op.getByRole('button', { name: 'Create date and sale' }).click();
    await op.getByText(/Created Show #\d+/).waitFor();
    const row = op.locator('tr', { hasText: 'E2E Night' });
    await row.getByText(/opens in/).waitFor();
    await shot(op, 'operator-1-sale-created');

    // Two fans arrive before the opening: they queue, are let in, and see the countdown.
    const fans: Page[] = [];
    for (const [i, userId] of [41, 42].entries()) {
      const { page } = await openPage(browser, server.url, {
        locale: i ? 'ko-KR' : 'en-US',
        viewport: PHONE,
      });
      await page
        .getByRole('button', { name: i ? /이 날짜 선택: E2E Night/ : /Choose this date: E2E Night/ })
        .click();
      await page.locator('#user-id').fill(String(userId));
      await page.locator('#join button[type=submit]').click();
      await page.locator('#seat-map button.seat').first().waitFor({ timeout: 60_000 });
      await page.locator('#opening').waitFor();
      fans.push(page);
    }
    const [en, ko] = fans as [Page, Page];
    expect(await en.locator('#hold').isDisabled()).toBe(true);
    await en.locator('#seat-map button.seat.available').first().click();
    await shot(en, 'operator-2-fan-before-opening');
    await shot(ko, 'operator-2-fan-before-opening-ko');

    // The opening: the hold button comes alive on its own.
    await en
      .locator('#opening')
      .waitFor({ state: 'hidden', timeout: Math.max(5_000, opensAt - Date.now() + 10_000) });
    await en.getByRole('button', { name: 'Hold selected seats' }).click();
    await en.locator('#pay').waitFor();
    // The other fan's seat map shows the hold without a reload.
    await ko.locator('#seat-map button[data-seat="1"].held').waitFor({ timeout: 10_000 });
    await row.locator('td').nth(2).getByText('1', { exact: true }).waitFor({ timeout: 15_000 });
    await row.getByText('on sale').waitFor();

    // The operator lowers the ticket limit to 1: the fan's second hold is refused in words.
    await op.locator('tr', { hasText: 'E2E Night' }).locator('input[type=number]').fill('1');
    await op.locator('tr', { hasText: 'E2E Night' }).getByRole('button', { name: 'Save' }).click();
    await op.locator('tr', { hasText: 'E2E Night' }).getByText('Saved.').waitFor();
    await en.locator('#seat-map button.seat.available').first().click();
    await en.getByRole('button', { name: 'Hold selected seats' }).click();
    await en.getByText('You already have as many tickets for this concert as one person may buy.').waitFor();
    await shot(en, 'operator-3-fan-limit-reached');
    await shot(op, 'operator-4-dashboard-live');
    // The language switch is remembered across a reload; the key stays for the tab's session.
    await op.getByRole('button', { name: '한국어' }).click();
    await op.setViewportSize(PHONE);
    await op.reload();
    await op.getByRole('heading', { name: '운영자 대시보드' }).waitFor();
    await op.locator('tr', { hasText: 'E2E Night' }).waitFor();
    await shot(op, 'operator-5-dashboard-ko-phone');
    await operator.context.close();
  });
});
