import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelAccounts, openSecrets } from '../../core/channel-accounts/accounts.ts';
import { ARTIFACTS, axeProblems as axeFindings } from '../helpers/browser.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { allocationResult } from '../helpers/registry.ts';
import { adminWorld } from './admin-world.ts';
import { pickOption, signInThroughForm, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';

// Plain http on 127.0.0.1, so the cookie goes without the Secure flag the https deployment sets.
const w = await adminWorld('console_admin_browser', { publicBaseUrl: 'http://127.0.0.1' });
const publisher = await w.account('hd-clerk', 'bj-haidian-zjw', 'publisher');
const admin = await w.account('hd-admin', 'bj-haidian-zjw', 'admin');
const APP_SECRET = 'oa-app-secret-0123456789';

let ui: ConsoleBrowser;
let base: string;
let page: Page;

beforeAll(async () => {
  ui = await startConsoleBrowser(w.app, { clock: w.clock.now });
  ({ base, page } = ui);
  await ui.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
});
afterAll(() => stopConsoleBrowser(ui));

const axeProblems = () => axeFindings(page, { allRules: true });
const screenshots = (name: string) => twoWidths(page, `console-admin-${name}`);
const signInAs = (who: { username: string; password: string }) => signInThroughForm(ui, who);
const pick = (select: string, option: string) => pickOption(page, select, option);

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('系统管理 in Chromium', () => {
  it('refuses a publisher every admin page with 无权访问, and the APIs behind them with 403', async () => {
    await signInAs(publisher);
    expect(await page.textContent('nav[aria-label="主导航"]')).not.toContain('系统管理');
    for (const address of ['/admin/keys', '/admin/settings', '/admin/channels', '/staff', '/admin']) {
      await page.goto(`${base}/console${address}`);
      await page.waitForURL(/\/console\/forbidden/);
      await page.waitForSelector('h1:has-text("无权访问")');
      expect(await page.textContent('main')).toContain('系统管理仅限本机关管理员使用');
      expect(await page.textContent('main')).toContain('发布员');
      expect(await page.$('nav[aria-label="系统管理"]')).toBeNull();
    }
    for (const api of ['/api/v1/keys', '/api/v1/agency/settings', '/api/v1/calendar', '/api/v1/channel-accounts', '/api/v1/channels/check']) {
      expect((await page.request.get(`${base}${api}`)).status(), api).toBe(403);
    }
    expect(await axeProblems()).toEqual([]);
    await screenshots('forbidden');
  });

  let apiKey = '';
  let keyId = '';

  it('an admin creates an API key, sees it once with a copy hint, and the key authenticates', async () => {
    await signInAs(admin);
    await page.click('nav[aria-label="主导航"] >> text=系统管理');
    await page.waitForURL(`${base}/console/admin/keys`);
    await page.waitForSelector('h1:has-text("API 密钥")');
    // The keys the world made (admin and publisher) are listed, without any secret.
    await page.waitForSelector('.keys-table .el-table__row');
    expect(await page.$$('.keys-table .el-table__row')).toHaveLength(2);

    await pick('.key-role', '发布员');
    await page.fill('#key-label', '公共资源交易平台');
    await page.click('button:has-text("创建密钥")');
    await page.waitForSelector('#new-key');
    apiKey = await page.inputValue('#new-key');
    expect(apiKey).toMatch(/^gk_[0-9a-f]{16}_[0-9a-f]{64}$/);
    keyId = apiKey.split('_')[1]!;
    expect(await page.textContent('.new-key')).toContain('密钥只显示这一次');
    expect(await page.evaluate('document.activeElement?.id')).toBe('new-key');
    await page.click('.new-key button:has-text("复制")');
    await page.waitForSelector('.new-key >> text=已复制到剪贴板');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(apiKey);
    expect(await page.textContent('.keys-table')).toContain('公共资源交易平台');
    // The pointer stays on the button just clicked: its hover colour passes axe too.
    expect(await axeProblems()).toEqual([]);
    await screenshots('keys-created');

    // The key is an integrator's key of this agency: it publishes a draft.
    const created = await w.http().post('/api/v1/disclosures').set(bearer(apiKey)).send(allocationResult({ title: '交易平台推送的分配结果' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // Dismissed, reloaded: it is gone for good; the list shows it was used.
    await page.click('.new-key button:has-text("我已保存")');
    expect(await page.$('#new-key')).toBeNull();
    await page.reload();
    await page.waitForSelector(`.keys-table .el-table__row:has-text("${keyId}")`);
    const row = (await page.textContent(`.keys-table .el-table__row:has-text("${keyId}")`))!;
    expect(row).toContain('有效');
    expect(row).not.toContain('未使用');
    expect(await page.content()).not.toContain(apiKey.split('_')[2]);
  });

  it('revokes the key after confirming, and the key is then refused with 401', async () => {
    await page.click(`.keys-table button[aria-label="吊销密钥 ${keyId}"]`);
    await page.waitForSelector('.el-message-box:has-text("不能恢复")');
    // The dialog fades in: contrast is checked once it is opaque.
    await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
    expect(await axeProblems()).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-admin-keys-revoke-confirm.png') });
    // Cancelling changes nothing.
    await page.click('.el-message-box button:has-text("取消")');
    await page.waitForSelector('.el-message-box', { state: 'hidden' });
    expect((await w.http().get('/api/v1/agency/disclosures').set(bearer(apiKey))).status).toBe(200);

    await page.click(`.keys-table button[aria-label="吊销密钥 ${keyId}"]`);
    await page.click('.el-message-box button:has-text("确定吊销")');
    await page.waitForSelector(`text=密钥 ${keyId} 已吊销`);
    expect(await page.textContent(`.keys-table .el-table__row:has-text("${keyId}")`)).toContain('已吊销');
    const refused = await w.http().get('/api/v1/agency/disclosures').set(bearer(apiKey));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('API key revoked');
    expect(await w.db.collection('audit').findOne({ action: 'key.revoke', subject: keyId })).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-admin' } });
  });

  it('toggles 先审后发 and shows the calendar years with 2027 missing as a warning', async () => {
    await page.click('nav[aria-label="系统管理"] >> text=先审后发与工作日历');
    await page.waitForSelector('h1:has-text("先审后发与工作日历")');
    await page.waitForSelector('.review-state:has-text("未开启")');
    await page.click('.el-switch');
    await page.waitForSelector('text=已开启先审后发');
    expect(await page.textContent('.review-state')).toContain('已开启');
    expect((await w.db.collection('agencies').findOne({ code: 'bj-haidian-zjw' }))?.requireReview).toBe(true);
    // Review is really required now: a publisher's publish waits (202).
    const draft = await w.http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(allocationResult({ title: '先审后发的分配结果' })).expect(201);
    expect((await w.http().post(`/api/v1/disclosures/${draft.body.id}/publish`).set(w.haidianKey.auth)).status).toBe(202);

    const warning = (await page.textContent('.calendar-warning'))!;
    expect(warning).toContain('缺少 2027 年的节假日安排');
    expect(warning).toContain('最后一个已有安排的年份是 2026 年');
    expect(warning).toContain('npx gongkai calendar load 2027.json');
    const years = (await page.textContent('.years'))!;
    expect(years).toContain('今年（2026 年）已有安排');
    expect(years).toContain('明年（2027 年）缺失');
    expect(years).toContain('2004–2026 年');
    expect(await axeProblems()).toEqual([]);
    await screenshots('settings');

    // Loaded by an operator, the warning goes.
    await w.services.calendar.saveYear({ year: 2027, holidays: ['2027-01-01'], workdays: [], source: '国办发明电〔2026〕9号', loadedBy: 'ops-wang' });
    await page.reload();
    await page.waitForSelector('.years:has-text("2027 年，依据 国办发明电〔2026〕9号")');
    expect(await page.$('.calendar-warning')).toBeNull();
    await page.click('.el-switch');
    await page.waitForSelector('text=已关闭先审后发');
    expect((await w.db.collection('agencies').findOne({ code: 'bj-haidian-zjw' }))?.requireReview).toBe(false);
  });

  it('saves a sandbox channel account with a write-only secret, shows the template check, and names what live lacks beside its field', async () => {
    await page.click('nav[aria-label="系统管理"] >> text=发布渠道账号');
    await page.waitForSelector('h1:has-text("发布渠道账号")');
    // The deployment's template check, against the sandbox's real template lists.
    await page.waitForSelector('.check-list li');
    const check = (await page.textContent('.check-list'))!;
    expect(check).toContain('微信小程序');
    expect(check).toContain('映射了模板没有的字段 thing4');
    expect(check).toMatch(/微信公众号[^；]*正常/);

    await page.fill('#account-id', 'haidian-oa');
    await page.fill('#account-appid', 'wx0123456789abcdef');
    await page.fill('#account-template', 'tpl-haidian-1');
    await page.fill('#account-mapping', 'thing1 = title\ntime4 = date');
    await page.fill('#secret-secret', APP_SECRET);
    await page.click('button:has-text("保存账号")');
    await page.waitForSelector('text=已保存微信公众号账号 haidian-oa（沙箱）');
    const row = (await page.textContent('.accounts-table .el-table__row:has-text("haidian-oa")'))!;
    expect(row).toContain('沙箱');
    expect(row).toContain('AppSecret：已设置');
    expect(row).toContain('令牌 (Token)：未设置');
    expect(await page.textContent('.accounts-table .el-table__row:has-text("haidian-oa") .missing')).toBe('令牌 (Token)');
    expect(await page.inputValue('#secret-secret')).toBe('');
    expect(await page.content()).not.toContain(APP_SECRET);
    const stored = await channelAccounts(w.db).findOne({ _id: 'bj-haidian-zjw/wechat-oa/haidian-oa' });
    expect(stored).toMatchObject({ mode: 'sandbox', settings: { appId: 'wx0123456789abcdef', mapping: { thing1: 'title', time4: 'date' } } });
    expect(JSON.stringify(stored)).not.toContain(APP_SECRET);
    expect(openSecrets(TEST_DATA_KEYS, stored!)).toEqual({ secret: APP_SECRET });

    // Live needs the token: the API's 400 shows beside the token field; the stored secret is kept.
    await pick('.account-mode', '正式');
    await page.click('button:has-text("保存账号")');
    await page.waitForSelector('.el-form-item:has(#secret-token) .el-form-item__error');
    expect(await page.textContent('.el-form-item:has(#secret-token) .el-form-item__error')).toContain('正式模式必须填写');
    expect(await page.textContent('.account-form .general-error')).toContain('未保存：请修改标红的 1 项');
    expect(await page.getAttribute('#secret-secret', 'placeholder')).toBe('已设置，留空保持不变');
    expect((await channelAccounts(w.db).findOne({ _id: 'bj-haidian-zjw/wechat-oa/haidian-oa' }))?.mode).toBe('sandbox');
    expect(await axeProblems()).toEqual([]);
    await screenshots('channels');
  });

  it('links the staff accounts page inside the admin area', async () => {
    await page.click('nav[aria-label="系统管理"] >> text=工作人员账号');
    await page.waitForURL(`${base}/console/staff`);
    await page.waitForSelector('h1:has-text("工作人员账号")');
    expect(await page.textContent('nav[aria-label="系统管理"] a.router-link-active')).toBe('工作人员账号');
    expect(ui.browser.cspViolations).toEqual([]);
    expect(ui.pageErrors).toEqual([]);
  });
});
