import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { removeDataDir } from '../../load/lib/embedded-db.js';
import { type ServerProcess, startServerProcess } from '../../load/lib/server-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.resolve('docs/screenshots');

export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 900 };

/**
 * Debian's Chromium through playwright-core (never a browser download). Playwright gives every
 * launch a fresh temporary --user-data-dir of its own and removes it at close.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-sync',
      '--disable-component-update',
    ],
  });
}

/** A fresh context (own storage) with a language and a viewport. */
export async function openPage(
  browser: Browser,
  url: string,
  options: { locale: 'ko-KR' | 'en-US'; viewport: { width: number; height: number } },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: options.locale,
    viewport: options.viewport,
    extraHTTPHeaders: { 'accept-language': options.locale === 'ko-KR' ? 'ko-KR,ko;q=0.9' : 'en-US,en;q=0.9' },
  });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

/** On the fan home page: picks the first date listed, types the user id and joins its line. */
export async function joinLine(page: Page, userId: number, lang: 'en' | 'ko' = 'en'): Promise<void> {
  const en = lang === 'en';
  await page
    .getByRole('button', { name: en ? /Choose this date/ : /이 날짜 선택/ })
    .first()
    .click();
  await page.getByLabel(en ? 'Your user id' : '사용자 번호').fill(String(userId));
  await page.getByRole('button', { name: en ? 'Join the line' : '대기열 참여하기', exact: true }).click();
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A real server (npm start's entry) on a DATA_DIR of its own, removed at stop. */
export async function startServer(
  env: Record<string, string>,
): Promise<ServerProcess & { close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stagedoor-e2e-'));
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SEED_USERS: '200',
    RATE_LIMIT_ISSUE_PER_MINUTE: '0',
    RATE_LIMIT_WRITE_PER_MINUTE: '0',
    ...env,
  });
  return {
    ...server,
    async close() {
      await server.stop();
      await removeDataDir(dataDir);
    },
  };
}

export async function api<T>(base: string, pathname: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(base + pathname, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
