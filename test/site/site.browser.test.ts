import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type HttpServer } from '../../api/server.ts';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { WechatClient } from '../../channels/wechat/wechat-client.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { ARTIFACTS, axeProblems, openChromium, type Chromium } from '../helpers/browser.ts';
import { closingContent } from '../read-model/closing-world.ts';
import { SECRET, siteWorld } from './site-world.ts';

// The official account is the sandbox's: the subscribe page draws its QR codes.
const sandbox = await startSandbox();
afterAll(() => sandbox.close());
// Plain http on 127.0.0.1, so the display cookie goes without the Secure flag.
const w = await siteWorld('site_browser', {
  publicBaseUrl: 'http://127.0.0.1',
  appDeps: (db) => ({
    subscribeQr: { maker: new WechatClient({ appId: SANDBOX_APPS.oa.appId, secret: SANDBOX_APPS.oa.secret, baseUrl: sandbox.url, tokenStore: createMongoTokenStore(db, { pollMs: 20 }) }) },
  }),
});
// Two deadlines in 本周截止 (the world's clock is 2026-11-20 10:00 China time): today, and in two days.
const closing = (itemType: string, title: string, content: Record<string, unknown>, field: string) =>
  w.publish({ field, itemType, title, region: '110108', formedAt: '2026-11-19', basis: 'implement', content });
await closing('procurement-notice', '海淀区办公设备采购项目公开招标公告', closingContent.procurementNotice('2026-11-20T17:00'), 'procurement');
await closing('candidates', '海淀区某路改造工程中标候选人公示', closingContent.candidates('2026-11-22', '2026-11-18'), 'bidding');
await w.services.publicCache.settled();

let server: HttpServer;
let base: string;
let browser: Chromium;
let page: Page;
let cspViolations: string[] = [];

beforeAll(async () => {
  server = await listen(w.app, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
  browser = await openChromium({ bypassCSP: true, viewport: { width: 390, height: 844 } });
  ({ page, cspViolations } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close(1000);
});

/** axe-core's WCAG 2.1 A/AA rules in the page: serious and critical findings fail the test. */
async function expectAccessible(name: string) {
  expect(await axeProblems(page), name).toEqual([]);
}

async function shots(name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(ARTIFACTS, `site-${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(ARTIFACTS, `site-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
}

describe('the public website in Chromium', () => {
  it('home: what closes this week and the newest items per field, accessible', async () => {
    await page.goto(`${base}/`);
    expect(await page.textContent('h1')).toBe('公共资源配置信息公开');
    expect(await page.locator('#closing ~ ol .days').allTextContents()).toEqual(['今天截止', '还剩2天']);
    expect(await page.locator('#field-blacklist').textContent()).toBe('黑名单');
    await expectAccessible('home');
    await shots('home');
  });

  it('is usable by keyboard alone: a skip link first, then the search box and the results', async () => {
    await page.goto(`${base}/disclosures`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('跳到正文');
    expect(await page.locator('.skip').boundingBox().then((b) => b!.y >= 0)).toBe(true);
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).toBe('#main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-q');
    await page.keyboard.type('公租房');
    await Promise.all([page.waitForURL(/\/disclosures\?q=/), page.keyboard.press('Enter')]);
    expect(await page.textContent('h1')).toBe('搜索：公租房');
    // Tab on from the search box reaches the first result link.
    await page.focus('#f-q');
    let reached = '';
    for (let i = 0; i < 20 && !reached.startsWith('/disclosures/'); i++) {
      await page.keyboard.press('Tab');
      reached = String(await page.evaluate("document.activeElement?.getAttribute('href') ?? ''"));
    }
    expect(reached).toMatch(/^\/disclosures\/[0-9a-f]{24}$/);
  });

  it('search: highlighted matches and facets that filter', async () => {
    await page.goto(`${base}/disclosures?q=${encodeURIComponent('公租房')}`);
    expect(await page.locator('.snippet mark').first().textContent()).toBe('公共租赁住房');
    await Promise.all([page.waitForURL(/field=housing/), page.click('.facets a:has-text("住房保障")')]);
    expect(await page.locator('.facets a.current').first().textContent()).toContain('住房保障');
    expect(await page.locator('.items > li').count()).toBeGreaterThan(0);
    await page.click('summary');
    await expectAccessible('search');
    await shots('search');
  });

  it('detail: tables, the withheld notice, history and a link to the earlier version', async () => {
    await page.goto(`${base}/disclosures/${w.ids.corrected}`);
    expect(await page.locator('em.notice').first().textContent()).toBe('依法不予公开（商业秘密）');
    expect(await page.content()).not.toContain(SECRET);
    expect(await page.locator('#history + ol li').count()).toBe(2);
    await expectAccessible('detail');
    await shots('detail');
    await Promise.all([page.waitForURL(/revision=1/), page.click('#history + ol a:has-text("第 1 版")')]);
    expect(await page.textContent('.banner strong')).toBe('您正在查看第 1 版（共 2 版）');
  });

  it('withdrawn: a banner with the reason', async () => {
    await page.goto(`${base}/disclosures/${w.ids.withdrawn}`);
    expect(await page.textContent('.banner')).toContain('撤回理由：发现名单录入错误，核实后重新公示');
    await expectAccessible('withdrawn');
    await shots('withdrawn');
  });

  it('blacklist, agency and subscribe pages are accessible', async () => {
    for (const [name, p] of [['blacklist', '/blacklist'], ['agency', '/agencies/bj-haidian-zjw'], ['subscribe', '/subscribe?field=housing'], ['not-found', '/disclosures/0123456789abcdef01234567']] as const) {
      await page.goto(`${base}${p}`);
      await expectAccessible(name);
    }
    await page.goto(`${base}/subscribe?field=housing`);
    await shots('subscribe');
  });

  it('subscribe: the official account’s QR code for the field and region, drawn inline and named, passes axe', async () => {
    await page.goto(`${base}/subscribe?field=housing&region=110108`);
    const qr = page.locator('figure.qr svg[role="img"]');
    expect(await qr.getAttribute('aria-label')).toBe('微信扫码订阅：领域：住房保障；地区：110108（含下辖区县）');
    const box = (await qr.boundingBox())!;
    // Big enough to scan from a phone screen held up to another phone.
    expect(box.width).toBeGreaterThanOrEqual(150);
    await expectAccessible('subscribe with QR');
    await shots('subscribe-qr');
    await page.goto(`${base}/subscribe`);
    await expectAccessible('subscribe form');
  });

  it('large text and high contrast, switched by links without script, stay on and pass axe', async () => {
    await page.goto(`${base}/disclosures/${w.ids.corrected}`);
    const size = () => page.evaluate('parseFloat(getComputedStyle(document.documentElement).fontSize)') as Promise<number>;
    const normal = await size();
    // The link comes back to this same URL, which waitForURL would take as already reached: wait for the new page's load.
    await Promise.all([page.waitForEvent('load'), page.click('text=大字模式')]);
    expect(await size()).toBeGreaterThanOrEqual(normal * 1.3);
    await Promise.all([page.waitForEvent('load'), page.click('text=高对比度')]);
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(0, 0, 0)');
    await page.goto(`${base}/disclosures?q=${encodeURIComponent('公租房')}`);
    expect(await size()).toBeGreaterThanOrEqual(normal * 1.3);
    await expectAccessible('large-contrast search');
    await page.goto(`${base}/disclosures/${w.ids.corrected}`);
    await expectAccessible('large-contrast detail');
    await shots('large-contrast');
    // The settings form turns both off again.
    await page.goto(`${base}/display?back=/`);
    await page.check('input[name=large][value="0"]');
    await page.check('input[name=contrast][value="0"]');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    expect(await size()).toBe(normal);
  });

  it('loads nothing the CSP refuses', () => {
    expect(cspViolations).toEqual([]);
  });
});
