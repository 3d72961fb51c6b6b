import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DESKTOP, launchBrowser, openPage, PHONE, SHOTS, shot, startServer } from './browser.js';

type Server = Awaited<ReturnType<typeof startServer>>;

const WORDS = {
  en: {
    join: 'Join the line',
    ahead: /people ahead of you|You are next/,
    seats: 'Choose your seats',
    hold: 'Hold selected seats',
    topUp: 'Top up',
    paid: 'Payment complete',
    refund: /^Refund/,
    refunded: /Refunded ₩80,000/,
    status: 'Refunded',
  },
  ko: {
    join: '대기열 참여하기',
    ahead: /앞에 \d+명|다음 차례입니다/,
    seats: '좌석 선택',
    hold: '선택한 좌석 선점',
    topUp: '충전',
    paid: '결제 완료',
    refund: /환불$/,
    refunded: /80,000원 환불되었습니다/,
    status: '환불됨',
  },
};

/**
 * Others in line first, so the fan really waits: each keeps its place by checking in. They
 * join the room of the concert the fan picks (the first listed): each sale has its own.
 */
async function queueOthers(base: string, userIds: number[]): Promise<() => void> {
  const { concerts } = await api<{ concerts: { concertId: number }[] }>(base, '/concerts');
  const concertId = concerts[0]!.concertId;
  const tokens = await Promise.all(
    userIds.map(
      async (userId) =>
        (
          await api<{ token: string }>(base, '/waiting/issue', {
            method: 'POST',
            body: JSON.stringify({ userId, concertId }),
          })
        ).token,
    ),
  );
  const timer = setInterval(() => {
    for (const token of tokens)
      void fetch(`${base}/waiting/check`, { headers: { 'x-queue-token': token } }).catch(() => {});
  }, 1000);
  return () => clearInterval(timer);
}

async function journey(
  page: Page,
  base: string,
  lang: 'en' | 'ko',
  name: string,
  userId: number,
): Promise<void> {
  const w = WORDS[lang];
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(lang);
  await page
    .getByRole('button', { name: lang === 'en' ? /Choose this date/ : /이 날짜 선택/ })
    .first()
    .click();
  await page.getByLabel(lang === 'en' ? 'Your user id' : '사용자 번호').fill(String(userId));
  await shot(page, `${name}-1-concerts`);
  const stopOthers = await queueOthers(base, [userId + 50, userId + 51, userId + 52]);
  await page.getByRole('button', { name: w.join, exact: true }).click();
  // Waiting: the live position and the people ahead, then admission by the tick.
  await page.locator('#ahead').getByText(w.ahead).waitFor();
  await shot(page, `${name}-2-waiting`);
  await page.getByRole('heading', { name: w.seats }).waitFor({ timeout: 60_000 });
  stopOthers();
  // Pick the first free seat, hold it, top up the shortfall (prefilled), pay.
  await page.locator('#seat-map button.seat.available').first().click();
  await shot(page, `${name}-3-seat-picked`);
  if (name.endsWith('phone')) {
    // The sticky bar stays at the bottom of a phone's screen: the last row, reached by keyboard,
    // comes into view above it, not under it.
    const lastSeat = page.locator('#seat-map button.seat').last();
    await lastSeat.focus();
    const seat = await lastSeat.boundingBox();
    const bar = await page.locator('.bar').boundingBox();
    expect(seat && bar && seat.y + seat.height <= bar.y).toBe(true);
    await page.screenshot({ path: `${SHOTS}/${name}-3b-last-row.png` });
    await page.locator('#seat-map button.seat.selected').first().focus();
  }
  await page.getByRole('button', { name: w.hold }).click();
  await page.locator('#pay').waitFor();
  await expect.poll(() => page.locator('#charge-amount').inputValue()).toBe('30000');
  await page.getByRole('button', { name: w.topUp, exact: true }).click();
  await page
    .locator('#checkout-status')
    .getByText(lang === 'en' ? 'Topped up ₩30,000.' : '30,000원 충전했습니다.')
    .waitFor();
  await shot(page, `${name}-4-held-and-charged`);
  await page.locator('#pay').click();
  await page.getByRole('heading', { name: w.paid }).waitFor();
  await page
    .locator('.ticket .status')
    .getByText(lang === 'en' ? 'Paid' : '결제 완료')
    .waitFor();
  await shot(page, `${name}-5-paid`);
  // My tickets: refund returns the price.
  await page
    .getByRole('button', { name: lang === 'en' ? 'My tickets' : '내 티켓' })
    .last()
    .click();
  await page.getByRole('button', { name: w.refund }).click();
  await page.getByText(w.refunded).waitFor();
  await page.locator('.ticket .status').getByText(w.status).waitFor();
  await shot(page, `${name}-6-refunded`);
}

describe('a fan buys a ticket and returns it', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ QUEUE_TICK_MS: '1000', QUEUE_ADMIT_PER_TICK: '1' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const cases = [
    { lang: 'en', locale: 'en-US', viewport: PHONE, name: 'en-phone', userId: 11 },
    { lang: 'ko', locale: 'ko-KR', viewport: PHONE, name: 'ko-phone', userId: 12 },
    { lang: 'en', locale: 'en-US', viewport: DESKTOP, name: 'en-desktop', userId: 13 },
    { lang: 'ko', locale: 'ko-KR', viewport: DESKTOP, name: 'ko-desktop', userId: 14 },
  ] as const;
  for (const c of cases) {
    it(`${c.lang} at ${c.viewport.width} px: join → wait → admitted → seat → charge → pay → ticket → refund`, async () => {
      const { context, page } = await openPage(browser, server.url, {
        locale: c.locale,
        viewport: c.viewport,
      });
      try {
        await journey(page, server.url, c.lang, c.name, c.userId);
      } finally {
        await context.close();
      }
    });
  }
});
