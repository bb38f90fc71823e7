import path from 'node:path';
import type Koa from 'koa';
import type { Page } from 'playwright-core';
import { listen, type HttpServer } from '../../api/server.ts';
import { ARTIFACTS, openChromium, type Chromium } from '../helpers/browser.ts';

export interface ConsoleBrowser {
  server: HttpServer;
  base: string;
  browser: Chromium;
  page: Page;
  /** Uncaught errors of the console's pages, asserted empty at the end. */
  pageErrors: string[];
}

/**
 * The app on a free port of 127.0.0.1 and one Chromium at 1280×800 for a console test file,
 * called from its beforeAll. `clock` fixes the browser's clock to the service's, so days left
 * are counted from the same moment. CSP is bypassed only so axe can be injected as a script tag.
 */
export async function startConsoleBrowser(app: Koa, options: { clock?: Date; timeoutMs?: number; port?: number } = {}): Promise<ConsoleBrowser> {
  const server = await listen(app, '127.0.0.1', options.port ?? 0);
  const browser = await openChromium({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
  const page = browser.page;
  // A missing element fails its step in seconds, naming it, instead of timing the whole test out.
  page.setDefaultTimeout(options.timeoutMs ?? 8000);
  if (options.clock) await page.clock.setFixedTime(options.clock);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  return { server, base: `http://127.0.0.1:${server.port}`, browser, page, pageErrors };
}

export async function stopConsoleBrowser(started: ConsoleBrowser | undefined): Promise<void> {
  await started?.browser.close();
  await started?.server.close(1000);
}

/** Screenshots at 1280×800 and 390 px wide (test-artifacts/<name>.png, <name>-390.png), then back to the desktop size. */
export async function twoWidths(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  // Two frames, so the narrow layout is painted before it is captured.
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** An Element Plus select's option, in the listbox that select controls (others may still be fading out). */
export async function pickOption(page: Page, select: string, option: string | RegExp): Promise<void> {
  await page.click(select);
  const listbox = await page.getAttribute(`${select} [aria-controls]`, 'aria-controls');
  await page.locator(`[id="${listbox}"] .el-select-dropdown__item`, { hasText: option }).first().click();
  // Until its fade-out ends the list is still on the page: axe would check it, a click could land on it.
  await page.locator(`[id="${listbox}"]`).waitFor({ state: 'hidden' });
}

/** Signs out whoever is signed in, then in as `who` through the form, landing on the item list. */
export async function signInThroughForm(started: Pick<ConsoleBrowser, 'page' | 'base' | 'pageErrors'>, who: { username: string; password: string }): Promise<void> {
  const { page, base } = started;
  if (await page.$('button:has-text("退出登录")')) await page.click('button:has-text("退出登录")');
  await page.goto(`${base}/console/sign-in`);
  // A console that failed to start says why, instead of a fill timing out.
  await page.waitForSelector('#username').catch(() => {
    throw new Error(`no sign-in form: ${started.pageErrors.join(' | ')}`);
  });
  await page.fill('#username', who.username);
  await page.fill('#password', who.password);
  await page.click('button:has-text("登录")');
  await page.waitForURL(`${base}/console/items`);
}
