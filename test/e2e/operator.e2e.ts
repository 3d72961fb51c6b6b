import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DESKTOP, launchBrowser, openPage, PHONE, shot, startServer } from './browser.js';

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

  it('creates a sale opening in 30 s; fans pre-queue; paused, the drawn line does not move; resumed, fans are admitted and buy; the limit changes live', async () => {
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
    const opensAt = Date.now() + 30_000;
    // The newest concert is preselected.
    expect(await op.locator('#schedule-concert option:checked').textContent()).toContain('E2E Night');
    await op.getByLabel('Show starts (local time)').fill(localInput(Date.now() + 7 * 86_400_000));
    await op.getByLabel('Sale opens (local time)').fill(localInput(opensAt));
    await op.getByRole('button', { name: 'Create date and sale' }).click();
    await op.getByText(/Created Show #\d+/).waitFor();
    const row = op.locator('tr', { hasText: 'E2E Night' });
    await row.getByText(/opens in/).waitFor();
    const room = op.locator('article.room', { hasText: 'E2E Night' });
    await room.getByText(/Pre-queue, draw in/).waitFor();
    await shot(op, 'operator-1-sale-created');

    // At once the operator pauses the sale (the opening is a fixed time ahead): a confirmation
    // first, then the room's card says so.
    await room.getByRole('button', { name: 'Pause admission' }).click();
    await room.getByText(/Pause admission\? Waiting fans keep their places/).waitFor();
    await shot(op, 'operator-3-pause-confirm');
    await room.getByRole('button', { name: 'Confirm' }).click();
    await room.getByText('Saved.').waitFor();
    await room.locator('[data-state]').getByText('Paused: nobody is admitted').waitFor({ timeout: 10_000 });
    await room.getByRole('button', { name: 'Resume admission' }).waitFor();

    // Two fans arrive before the opening: they join the sale's pre-queue, where places are drawn.
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
      await page
        .locator('#position')
        .getByText(i ? '사전 대기' : 'Pre-queue')
        .waitFor();
      fans.push(page);
    }
    const [en, ko] = fans as [Page, Page];
    await en.getByText(/The sale opens in \d+:\d\d\. Everyone who joined before then/).waitFor();
    await room.locator('[data-prequeue]').getByText('2', { exact: true }).waitFor({ timeout: 10_000 });
    await shot(en, 'operator-2-fan-pre-queue');
    await shot(ko, 'operator-2-fan-pre-queue-ko');

    // The opening draws the pre-queue into the line; paused, nobody is admitted: across several
    // ticks (500 ms each) both fans keep waiting at their drawn places and the room admits none.
    await en
      .getByRole('heading', { name: 'You are in line' })
      .waitFor({ timeout: Math.max(5_000, opensAt - Date.now() + 15_000) });
    await ko.getByRole('heading', { name: '대기 중입니다' }).waitFor({ timeout: 15_000 });
    await room.locator('[data-waiting]').getByText('2', { exact: true }).waitFor({ timeout: 10_000 });
    const places = [await en.locator('#position').textContent(), await ko.locator('#position').textContent()];
    expect(places.map(Number).sort()).toEqual([1, 2]);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await en.locator('#position').textContent()).toBe(places[0]);
      expect(await ko.locator('#position').textContent()).toBe(places[1]);
      expect(await en.locator('#seat-map').count()).toBe(0);
      expect(await room.locator('[data-active]').textContent()).toMatch(/^0 \//);
      expect(await room.locator('[data-waiting]').textContent()).toBe('2');
    }
    await room.locator('[data-state]').getByText('Paused: nobody is admitted').waitFor();
    // How the rate is set (QUEUE_ADMISSION_MODE): fixed here, at the sale's own per-tick rate.
    await room
      .locator('[data-admission]')
      .getByText(/^Fixed admission: \d+ per tick$/)
      .waitFor();
    await shot(op, 'operator-4-dashboard-paused');
    await shot(en, 'operator-4-fan-waiting-while-paused');

    // The draw is public: the fan's page shows their salted entry in it and how to replay it.
    await en.getByText('Check the opening draw').click();
    await en.getByText('Your entry is in the published list.').waitFor();
    expect(await en.locator('#verify pre').textContent()).toMatch(
      /^npm run verify-lottery -- --url http:\/\/127\.0\.0\.1:\d+ --concert \d+ --user 41 --salt \S+$/,
    );
    const concertId = Number((await en.locator('#verify pre').textContent())?.match(/--concert (\d+)/)?.[1]);
    const fairness = await api<{ entrants: string[] }>(server.url, `/sales/${concertId}/fairness`);
    expect(fairness.entrants).toContain(await en.locator('[data-entrant]').textContent());
    await shot(en, 'operator-5-fan-verify-draw');

    // Resumed: both fans are admitted on the next ticks and get the seat map.
    await room.getByRole('button', { name: 'Resume admission' }).click();
    await room.getByRole('button', { name: 'Confirm' }).click();
    await room
      .locator('[data-state]')
      .getByText(/Admitting/)
      .waitFor({ timeout: 10_000 });
    await en.locator('#seat-map button.seat.available').first().waitFor({ timeout: 15_000 });
    await ko.locator('#seat-map button.seat.available').first().waitFor({ timeout: 15_000 });
    await en.locator('#seat-map button.seat.available').first().click();
    await en.getByRole('button', { name: 'Hold selected seats' }).click();
    await en.locator('#pay').waitFor();
    // The other fan's seat map shows the hold without a reload.
    await ko.locator('#seat-map button[data-seat="1"].held').waitFor({ timeout: 10_000 });
    await row.locator('td').nth(2).getByText('1', { exact: true }).waitFor({ timeout: 15_000 });
    await row.getByText('on sale').waitFor();

    // A value the API refuses is told in words, not as a code.
    await room.getByLabel('Active cap').fill('20000000');
    await room.getByRole('button', { name: 'Apply changes' }).click();
    await room.getByText(/Active cap: default \(\d+\) → 20000000\./).waitFor();
    await room.getByRole('button', { name: 'Confirm' }).click();
    await room.getByText('Some of what was entered is not valid. Please check it.').waitFor();
    await room.getByLabel('Active cap').fill('');

    // The operator lowers the ticket limit to 1: the fan's second hold is refused in words.
    await room.getByLabel('Ticket limit').fill('1');
    await room.getByRole('button', { name: 'Apply changes' }).click();
    await room.getByText(/Ticket limit: default \(4\) → 1\./).waitFor();
    await room.getByRole('button', { name: 'Confirm' }).click();
    await room.getByText('Saved.').waitFor();
    await expect.poll(() => room.getByLabel('Ticket limit').inputValue()).toBe('1');
    await en.locator('#seat-map button.seat.available').first().click();
    await en.getByRole('button', { name: 'Hold selected seats' }).click();
    await en.getByText('You already have as many tickets for this concert as one person may buy.').waitFor();
    await shot(en, 'operator-6-fan-limit-reached');
    await shot(op, 'operator-7-dashboard-live');
    // The language switch is remembered across a reload; the key stays for the tab's session.
    await op.getByRole('button', { name: '한국어' }).click();
    await op.setViewportSize(PHONE);
    await op.reload();
    await op.getByRole('heading', { name: '운영자 대시보드' }).waitFor();
    await op.locator('tr', { hasText: 'E2E Night' }).waitFor();
    await op.locator('article.room', { hasText: 'E2E Night' }).getByText('입장 일시중지').waitFor();
    await shot(op, 'operator-8-dashboard-ko-phone');
    await operator.context.close();
  });
});
