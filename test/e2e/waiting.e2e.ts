import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DESKTOP, joinLine, launchBrowser, openPage, PHONE, shot, startServer } from './browser.js';

type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * A line that does not move: one active user fills the only slot (QUEUE_MAX_ACTIVE=1), so the
 * fans' places are stable while the page is reloaded, cut off or closed.
 */
describe('the waiting room keeps the place', () => {
  let server: Server;
  let browser: Browser;
  let keepAlive: ReturnType<typeof setInterval>;
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ QUEUE_TICK_MS: '500', QUEUE_MAX_ACTIVE: '1', QUEUE_IDLE_TIMEOUT_SECONDS: '6' }),
      launchBrowser(),
    ]);
    // The fans below pick the first concert listed: its sale has a waiting room of its own.
    const { concerts } = await api<{ concerts: { concertId: number }[] }>(server.url, '/concerts');
    const concertId = concerts[0]!.concertId;
    const tokens: string[] = [];
    for (const userId of [1, 2, 3]) {
      const issued = await api<{ token: string }>(server.url, '/waiting/issue', {
        method: 'POST',
        body: JSON.stringify({ userId, concertId }),
      });
      tokens.push(issued.token);
    }
    // Users 2 and 3 wait ahead of every fan below and stay live by checking in.
    keepAlive = setInterval(() => {
      for (const token of tokens)
        void fetch(`${server.url}/waiting/check`, { headers: { 'x-queue-token': token } }).catch(() => {});
    }, 1000);
  });
  afterAll(async () => {
    clearInterval(keepAlive);
    await browser?.close();
    await server?.close();
  });

  const join = async (lang: 'en' | 'ko', viewport: { width: number; height: number }, userId: number) => {
    const opened = await openPage(browser, server.url, {
      locale: lang === 'ko' ? 'ko-KR' : 'en-US',
      viewport,
    });
    await joinLine(opened.page, userId, lang);
    await opened.page.locator('#ahead').waitFor();
    return opened;
  };

  it('a reload and a dropped connection keep the place (en, 360 px)', async () => {
    const { context, page } = await join('en', PHONE, 21);
    const position = await page.locator('#position').textContent();
    expect(Number(position)).toBeGreaterThanOrEqual(2);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('sd.place') ?? '{}').token);
    await page.reload();
    await page.locator('#connection').getByText('Live updates').waitFor();
    expect(await page.locator('#position').textContent()).toBe(position);
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('sd.place') ?? '{}').token)).toBe(token);
    // Offline for a moment (a tunnel, a lift): the page says so and keeps the place.
    await context.setOffline(true);
    await page
      .locator('#connection')
      .getByText(/Connection lost, retrying/)
      .waitFor({ timeout: 20_000 });
    await shot(page, 'en-phone-2b-offline');
    await context.setOffline(false);
    await page
      .locator('#connection')
      .getByText(/Live updates|Updating every/)
      .waitFor({ timeout: 30_000 });
    expect(await page.locator('#position').textContent()).toBe(position);
    await context.close();
  });

  it('a page closed for longer than the liveness window loses the place and says why (ko, desktop)', async () => {
    const { context, page } = await join('ko', DESKTOP, 22);
    await shot(page, 'ko-desktop-2-waiting');
    await page.goto('about:blank');
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    await page.goto(server.url);
    await page.getByRole('heading', { name: '대기 순서가 사라졌습니다' }).waitFor();
    expect(await page.locator('#lost-reason').textContent()).toContain('너무 오래 대기열과 연결되지 않아');
    await shot(page, 'ko-desktop-2c-place-lost');
    await context.close();
  });
});
