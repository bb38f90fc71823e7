import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type HttpServer } from '../../api/server.ts';
import { allocationResult } from '../helpers/registry.ts';
import { staffWorld } from './staff-world.ts';

const CHROMIUM = '/usr/bin/chromium';
const AXE = path.resolve('node_modules/axe-core/axe.min.js');
const ARTIFACTS = path.resolve('test-artifacts');

if (!existsSync(CHROMIUM)) {
  throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (sudo apt-get install chromium), as CI does.`);
}

// Plain http on 127.0.0.1, so the cookie goes without the Secure flag the https deployment sets.
const w = await staffWorld('console_browser', { publicBaseUrl: 'http://127.0.0.1' });
const publisher = await w.account('hd-clerk', 'bj-haidian-zjw', 'publisher');
const draft = async (auth: Record<string, string>, title: string, formedAt: string, region = '110108') => {
  const res = await w.http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title, formedAt, region }));
  if (res.status !== 201) throw new Error(`draft: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
};
await draft(w.haidianKey.auth, '海淀区逾期未公开的分配结果', '2026-08-20');
await draft(w.haidianKey.auth, '海淀区本月形成的分配结果', '2026-10-08');
const published = await draft(w.haidianKey.auth, '海淀区已公开的分配结果', '2026-10-01');
await w.http().post(`/api/v1/disclosures/${published}/publish`).set(w.haidianKey.auth).expect(200);
await draft(w.chaoyangKey.auth, '朝阳区的分配结果', '2026-10-08', '110105');

let server: HttpServer;
let base: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const cspViolations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await listen(w.app, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
  userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    // axe is injected as a script tag, which the console's CSP would refuse.
    bypassCSP: true,
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  // The browser's clock is the service's: days left are counted from the same moment.
  await page.clock.setFixedTime(w.clock.now);
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await fs.mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await server?.close(1000);
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
});

/** axe-core's serious and critical violations on the current page. */
async function axeProblems(): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const results = (await page.evaluate(() => (window as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe.run({ resultTypes: ['violations'] }))) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Screenshots at 1280×800 and 390 px wide, then back to the desktop size. */
async function screenshots(name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('the agency console in Chromium', () => {
  it('is served under a strict CSP and sends strangers to the sign-in page', async () => {
    const res = await page.goto(`${base}/console/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(res?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await page.waitForURL(/\/console\/sign-in/);
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).toBe('机关工作人员登录');
    expect(await axeProblems()).toEqual([]);
    await screenshots('sign-in');
  });

  it('signs in with the keyboard alone', async () => {
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'username'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await page.keyboard.type(publisher.username);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await page.keyboard.type(publisher.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/items`);
    const cookie = (await context.cookies(base)).find((c) => c.name === 'gk_staff');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('lists the agency’s own items from the read model with the legal clock, overdue in red', async () => {
    await page.waitForSelector('.items-table .el-table__row');
    const rows = await page.$$eval('.items-table .el-table__row', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows).toHaveLength(3);
    expect(rows.join('\n')).not.toContain('朝阳区');
    const overdue = rows.find((r) => r.includes('海淀区逾期未公开的分配结果'))!;
    expect(overdue).toContain('已逾期');
    const color = await page.$eval('.items-table .overdue', (el) => getComputedStyle(el).color);
    expect(color).toBe('rgb(179, 38, 30)');
    expect(rows.find((r) => r.includes('海淀区本月形成的分配结果'))).toMatch(/剩 \d+ 天/);
    expect(rows.find((r) => r.includes('海淀区已公开的分配结果'))).toContain('按时公开');
    expect(await axeProblems()).toEqual([]);
    await screenshots('items');
  });

  it('filters by status', async () => {
    await page.click('.status-filter >> text=已公开');
    await page.waitForFunction(() => document.querySelectorAll('.items-table .el-table__row').length === 1);
    expect(await page.textContent('.items-table .el-table__row')).toContain('海淀区已公开的分配结果');
  });

  it('shows compliance pending and the annual report with its CSV download', async () => {
    await page.click('nav >> text=待办与时限');
    await page.waitForSelector('.el-table__row');
    expect(await page.textContent('.el-table__body')).toContain('海淀区逾期未公开的分配结果');
    expect(await axeProblems()).toEqual([]);
    await screenshots('compliance');

    await page.click('nav >> text=年度报告');
    await page.waitForSelector('h1:has-text("年度报告")');
    const csv = await page.getAttribute('a[download]', 'href');
    expect(csv).toMatch(/^\/api\/v1\/reports\/annual\?year=\d{4}&format=csv$/);
    const download = await page.request.get(`${base}${csv}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toMatch(/^text\/csv/);
    expect(await axeProblems()).toEqual([]);
    await screenshots('report');
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
