import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, joinLine, launchBrowser, openPage, shot, startServer } from './browser.js';

type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * Idle slots on the seat page (QUEUE_ACTIVE_IDLE_SECONDS, here 8 s: the stream warns 2 s before
 * the slot is freed). Picking seats makes no request, so the page itself tells the server the
 * fan is there; a fan who does nothing is warned, can keep the turn, and loses it if they don't.
 */
describe('the seat page and idle slots', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ QUEUE_TICK_MS: '500', QUEUE_ACTIVE_IDLE_SECONDS: '8' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('warns an idle fan, keeps a busy or returning one, and ends the turn of one who left', async () => {
    const { page } = await openPage(browser, server.url, { locale: 'en-US', viewport: DESKTOP });
    await joinLine(page, 31);
    await page.getByRole('heading', { name: 'Choose your seats' }).waitFor({ timeout: 30_000 });
    const warning = page.locator('#idle-warning');

    // Doing nothing: the warning comes, with the time left and a way to stay.
    await warning.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await warning.textContent()).toMatch(/your turn goes to the next fan/);
    await shot(page, 'en-desktop-4b-idle-warning');
    await page.getByRole('button', { name: "I'm still here" }).click();
    await warning.waitFor({ state: 'hidden', timeout: 5_000 });

    // Busy on the page (clicks that make no request of their own) for longer than the idle
    // window: no warning, the turn goes on.
    const busyUntil = Date.now() + 14_000;
    while (Date.now() < busyUntil) {
      await page.mouse.click(5, 5);
      expect(await warning.isVisible()).toBe(false);
      await page.waitForTimeout(700);
    }
    expect(await page.getByRole('heading', { name: 'Choose your seats' }).isVisible()).toBe(true);

    // Gone (the tab stays open): warned, then the turn ends and the page says why.
    await warning.waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('#lost-reason').waitFor({ timeout: 20_000 });
    expect(await page.locator('#lost-reason').textContent()).toMatch(/Your turn ended/);
  });
});
