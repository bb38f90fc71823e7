import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type HttpServer } from '../../api/server.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { ARTIFACTS, openChromium, type Chromium } from '../helpers/browser.ts';
import { NOW, pressWorld, seedOpinion } from './press-world.ts';

const SCREENSHOT = path.join(ARTIFACTS, 'press-dashboard.png');

// Plain http on 127.0.0.1, so the cookie goes without the Secure flag the https deployment sets.
const w = await pressWorld('press_browser', { publicBaseUrl: 'http://127.0.0.1' });
await seedOpinion(w.db, w);

let server: HttpServer;
let base: string;
let context: BrowserContext;
let page: Page;
let browser: Chromium;
let cspViolations: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  server = await listen(w.app, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
  browser = await openChromium();
  ({ context, page, cspViolations } = browser);
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close(1000);
});

describe('the press dashboard in Chromium', () => {
  it('signs in through the form and lands on the agency’s dashboard', async () => {
    await page.goto(`${base}/press`);
    expect(new URL(page.url()).pathname).toBe('/press/login');
    await page.fill('#apiKey', w.haidianPress.apiKey);
    await Promise.all([page.waitForURL(`${base}/press`), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toContain('北京市海淀区住房和城乡建设委员会');
    const cookies = await context.cookies(`${base}/press`);
    expect(cookies.find((c) => c.name === 'gk_press')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/press' });
  });

  it('draws the stacked sentiment bars from the seeded counts', async () => {
    const segments = await page.$$eval('svg.sentiment-chart rect.seg', (rects) =>
      rects.map((r) => `${r.getAttribute('data-day')} ${r.getAttribute('data-label')} ${r.getAttribute('data-count')}`),
    );
    expect(segments.sort()).toEqual([
      '2026-11-18 neg 2',
      '2026-11-18 neu 1',
      '2026-11-19 neu 2',
      '2026-11-19 pos 1',
      '2026-11-20 neg 3',
      '2026-11-20 pos 1',
    ]);
    expect(await page.$$eval('svg.sentiment-chart g.day', (days) => days.length)).toBe(14);
    expect(await page.getAttribute('g.day[data-day="2026-11-20"]', 'data-total')).toBe('4');
    // Bars are drawn to scale: 11-20 (4) is taller than 11-18 (3).
    const height = (day: string) =>
      page.$$eval(`g.day[data-day="${day}"] rect.seg`, (rects) => rects.reduce((sum, r) => sum + r.getBoundingClientRect().height, 0));
    expect(await height('2026-11-20')).toBeGreaterThan(await height('2026-11-18'));
    expect(await page.textContent('#total')).toBe('10');
  });

  it('lists the hot keywords, the open alert and the task clocks, overdue in red', async () => {
    const keywords = await page.$$eval('#keywords li', (items) => items.map((li) => li.textContent));
    expect(keywords).toEqual(expect.arrayContaining(['暗箱操作', '公开透明']));
    expect(await page.textContent('#alerts')).toContain('负面占比 75%');
    const major = page.locator('tr[data-task="alert:major-1"] .clock.overdue');
    expect(await major.textContent()).toContain('已超时 2.5 小时');
    // The stylesheet (served by gongkai, allowed by the CSP) is what makes it red.
    const colour = await major.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(colour).toBe('rgb(192, 57, 43)');
    expect(await page.textContent('tr[data-task="alert:normal-1"] .clock')).toContain('剩余 30 小时');
  });

  it('acknowledges a task with 确认接收', async () => {
    const row = page.locator('tr[data-task="alert:normal-1"]');
    await Promise.all([page.waitForURL(`${base}/press#tasks`), row.getByRole('button', { name: '确认接收' }).click()]);
    expect(await row.getAttribute('data-status')).toBe('acknowledged');
    expect(await row.textContent()).toContain('已接收');
    expect(await row.getByRole('button', { name: '确认接收' }).count()).toBe(0);
    const stored = await responseTaskCollection(w.db).findOne({ _id: 'alert:normal-1' });
    expect(stored).toMatchObject({ status: 'acknowledged', acknowledgedAt: NOW });
    expect(stored?.events.at(-1)).toMatchObject({ action: 'acknowledge', by: w.haidianPress.apiKey.split('_')[1] });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('drills down into a disclosure with each reaction’s reasons, hostile text shown as text', async () => {
    await Promise.all([page.waitForURL(`${base}/press/disclosures/${w.haidianItem}`), page.locator('tr[data-task="alert:normal-1"] a').click()]);
    expect(await page.textContent('h1')).toBe('海淀区2026年第三批公共租赁住房分配结果公示');
    expect(await page.locator('tr.reaction').count()).toBe(9);
    const script = page.locator('tr.reaction', { hasText: '<script>alert("xss")</script>' });
    expect(await script.locator('.reasons').textContent()).toBe('黑幕');
    expect(await page.textContent('tr.reaction:has-text("强烈要求复查") .reasons')).toBe('暗箱操作；强烈要求');
    expect(await page.locator('svg.sentiment-chart rect.seg').count()).toBe(6);
    expect(await page.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
