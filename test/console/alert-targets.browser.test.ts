import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { createServices } from '../../core/services.ts';
import { staffAlertTargets } from '../../core/staff-alerts/targets.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { axeProblems as axeFindings } from '../helpers/browser.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { testApp } from '../helpers/registry.ts';
import { cst, quietThenBurst } from '../opinion/opinion-fixtures.ts';
import { pickOption, signInThroughForm, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';

/* The 值班提醒 page: an admin configures the agency's staff alert targets and sees what reached them. */
const db = await connectTestDb('alert_targets_browser');
const HD = 'bj-haidian-zjw';
await createAgency(db, { code: HD, name: '北京市海淀区住房和城乡建设委员会' });
const sandbox = await startSandbox();
const { logger, lines } = captureLogs();
// The agency's clock: targets are configured at 10:00, before the spike the watch finds at 10:05.
const services = createServices(db, { readModel: testReadModel(), logger, dataKeys: TEST_DATA_KEYS, now: () => cst('2026-11-20T10:00') });
const staffAlerts = { keys: TEST_DATA_KEYS, publicBaseUrl: 'http://127.0.0.1', sandboxUrl: sandbox.url, tokenStore: createMongoTokenStore(db) };
const app = testApp({ logger, db, services }, { trustProxy: true, publicBaseUrl: 'http://127.0.0.1', press: { sessionSecret: 'alert-targets-test-secret-0123456789abcdef' }, staffAlerts, sandboxOutbox: sandbox.outbox });
const http = () => request(app.callback());
const admin = await createStaff(db, { agencyCode: HD, username: 'hd-admin', role: 'admin' }).then((r) => ({ username: 'hd-admin', password: r.password }));
const clerk = await createStaff(db, { agencyCode: HD, username: 'hd-clerk', role: 'publisher' }).then((r) => ({ username: 'hd-clerk', password: r.password }));
const WRONG_SECRET = 'SECwrong-secret-typed-in-0123';

let ui: ConsoleBrowser;
let base: string;
let page: Page;

beforeAll(async () => {
  ui = await startConsoleBrowser(app);
  ({ base, page } = ui);
});

afterAll(async () => {
  await stopConsoleBrowser(ui);
  await sandbox.close();
});

const screenshots = (name: string) => twoWidths(page, `console-${name}`);

/** An Element Plus select (by its input's id): its option, in the listbox that select controls. */
const pick = (id: string, option: string | RegExp) => pickOption(page, `.el-form-item:has(#${id}) .el-select`, option);

const signInAs = (who: { username: string; password: string }) => signInThroughForm(ui, who);

describe('值班提醒 in the console', () => {
  it('an admin finds it in the menu; the empty page passes axe', async () => {
    await signInAs(admin);
    await page.click('nav >> text=系统管理');
    await page.click('nav[aria-label="系统管理"] >> text=值班提醒');
    await page.waitForURL(`${base}/console/admin/alert-targets`);
    await page.waitForSelector('text=尚未配置接收方。');
    expect(await axeFindings(page, { allRules: true })).toEqual([]);
  });

  it('saves a WeCom robot in sandbox mode and a DingTalk robot, naming a bad field beside it', async () => {
    await page.fill('#target-id', 'duty');
    await page.fill('#target-name', '新闻办值班群');
    await page.click('button:has-text("保存")');
    await page.waitForSelector('[role="status"]:has-text("已保存：新闻办值班群")');

    await pick('target-kind', '钉钉群机器人');
    await page.fill('#target-id', 'Wrong Id');
    await page.fill('#target-secret-secret', WRONG_SECRET);
    await page.click('button:has-text("保存")');
    await page.waitForSelector('[role="alert"]:has-text("保存失败")');
    expect(await page.locator('.el-form-item.is-error').filter({ has: page.locator('#target-id') }).count()).toBe(1);
    await page.fill('#target-id', 'wrong');
    await page.click('button:has-text("保存")');
    await page.waitForSelector('[role="status"]:has-text("已保存：wrong")');
    await page.waitForSelector('text=加签密钥（SEC 开头）已设置');
    // The secret typed in is gone from the page once saved.
    expect(await page.content()).not.toContain(WRONG_SECRET);
  });

  it('sends a test message: the WeCom sandbox receives it; the wrong DingTalk secret is shown as 310000', async () => {
    await page.click('button:has-text("发送测试消息（新闻办值班群）")');
    await page.waitForSelector('[role="status"]:has-text("测试消息已发出：新闻办值班群（沙箱）")');
    const outbox = await http().get('/sandbox/outbox?channel=wecom-robot').expect(200);
    expect(outbox.body.items).toHaveLength(1);
    expect(outbox.body.items[0].body.markdown.content).toContain('【测试消息】');
    await page.click('button:has-text("发送测试消息（wrong）")');
    await page.waitForSelector('[role="alert"]:has-text("测试消息未送达（310000）")');
    expect(await axeFindings(page, { allRules: true })).toEqual([]);
  });

  it('lists what the watch sent, failures with the vendor’s code', async () => {
    await quietThenBurst(db, HD, cst('2026-11-20T09:00'));
    await runOpinionWatch({ db, now: () => cst('2026-11-20T10:05'), channels: [], logger, staffAlerts });
    await page.reload();
    await page.waitForSelector('.notice-list li:has-text("已送达")');
    await page.waitForSelector('.notice-list li:has-text("失败")');
    expect(await page.locator('.notice-list li', { hasText: '新闻办值班群' }).innerText()).toContain('【舆情预警】本机关公众反应出现异常');
    expect(await page.locator('.notice-list li', { hasText: '310000' }).count()).toBe(1);
    expect(await axeFindings(page, { allRules: true })).toEqual([]);
    await screenshots('alert-targets');
    expect(ui.pageErrors).toEqual([]);
    expect(lines.join('\n')).not.toContain(WRONG_SECRET);
  });

  it('edits a target keeping its secret, by keyboard', async () => {
    await page.click('button:has-text("修改（wrong）")');
    expect(await page.evaluate('document.activeElement?.id')).toBe('target-name');
    expect(await page.getAttribute('#target-secret-secret', 'placeholder')).toBe('已设置，留空则不变');
    await page.keyboard.type('钉钉值班群');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[role="status"]:has-text("已保存：钉钉值班群")');
    const record = await staffAlertTargets(db).findOne({ _id: `${HD}/dingtalk-robot/wrong` });
    expect(Object.keys(record!.secrets as object)).toEqual(['secret']);
  });

  it('is not offered to other roles', async () => {
    await page.click('button:has-text("退出登录")');
    await page.waitForURL(/\/console\/sign-in/);
    await signInAs(clerk);
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent?.trim()))).not.toContain('值班提醒');
    await page.goto(`${base}/console/alert-targets`);
    await page.waitForURL((url) => url.pathname === '/console/forbidden' && url.searchParams.get('from') === '/admin/alert-targets');
    await page.waitForSelector('text=系统管理仅限本机关管理员使用');
  });
});
