import { ObjectId } from 'mongodb';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAgency } from '../../core/agencies/agencies.ts';
import { axeProblems as axeFindings } from '../helpers/browser.ts';
import { allocationResult } from '../helpers/registry.ts';
import { pickOption, signInThroughForm, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';
import { staffWorld } from './staff-world.ts';

// Plain http on 127.0.0.1, so the cookie goes without the Secure flag the https deployment sets.
const w = await staffWorld('console_browser', { publicBaseUrl: 'http://127.0.0.1' });
const publisher = await w.account('hd-clerk', 'bj-haidian-zjw', 'publisher');
const reviewer = await w.account('hd-reviewer', 'bj-haidian-zjw', 'reviewer');
const admin = await w.account('hd-admin', 'bj-haidian-zjw', 'admin');
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

const TITLE = '海淀区2026年第四批公共租赁住房（永丰家园项目）分配结果公示';
const SECRET = '内部议定的分配办法甲乙丙';
const REVIEWED = '海淀区2026年第五批公共租赁住房分配结果公示（待审核）';

let ui: ConsoleBrowser;
let base: string;
let page: Page;

beforeAll(async () => {
  ui = await startConsoleBrowser(w.app, { clock: w.clock.now });
  ({ base, page } = ui);
});
afterAll(() => stopConsoleBrowser(ui));

/** axe-core's serious and critical violations on the current page (all its rules). */
const axeProblems = () => axeFindings(page, { allRules: true });
const screenshots = (name: string) => twoWidths(page, `console-${name}`);
const signInAs = (who: { username: string; password: string }) => signInThroughForm(ui, who);

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
    for (let i = 0; i < 10 && (await page.evaluate('document.activeElement?.id')) !== 'username'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('username');
    await page.keyboard.type(publisher.username);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('password');
    await page.keyboard.type(publisher.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/items`);
    const cookie = (await ui.browser.context.cookies(base)).find((c) => c.name === 'gk_staff');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('lists the agency’s own items from the read model with the legal clock, overdue in red', async () => {
    await page.waitForSelector('.items-table .el-table__row');
    const rows = await page.$$eval('.items-table .el-table__row', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows).toHaveLength(3);
    expect(rows.join('\n')).not.toContain('朝阳区');
    const overdue = rows.find((r) => r.includes('海淀区逾期未公开的分配结果'))!;
    expect(overdue).toContain('已逾期');
    const color = await page.evaluate("getComputedStyle(document.querySelector('.items-table .overdue')).color");
    expect(color).toBe('rgb(179, 38, 30)');
    expect(rows.find((r) => r.includes('海淀区本月形成的分配结果'))).toMatch(/剩 \d+ 天/);
    expect(rows.find((r) => r.includes('海淀区已公开的分配结果'))).toContain('按时公开');
    expect(await axeProblems()).toEqual([]);
    await screenshots('items');
  });

  it('filters by status', async () => {
    await page.click('.status-filter >> text=已公开');
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 1");
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
  });

  it('publishes an allocation result through the form generated from its schema: three result rows, one field withheld, errors beside their field, previews per channel', async () => {
    const pick = (select: string, option: string) => pickOption(page, select, option);
    await page.click('nav >> text=发布事项');
    await page.waitForSelector('h1:has-text("发布事项")');
    await pick('.pick-field', '住房保障');
    await pick('.pick-type', '分配结果');
    await page.waitForSelector('#title');
    await page.fill('#title', TITLE);
    await page.fill('#region', '110108');
    // The due date follows 形成日期 live: a date long past is already late.
    await page.fill('#formedAt', '2026-08-03');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.due.overdue');
    expect(await page.textContent('.due')).toContain('已超过法定公开时限');
    await page.fill('#formedAt', '2026-10-08');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.due:not(.overdue)');
    await page.fill('#f-content-projectName', '永丰家园公共租赁住房');
    await page.fill('#f-content-batch', '2026年第四批');
    await page.fill('#f-content-drawDate', '2026-10-07');
    await page.keyboard.press('Enter');
    await page.fill('#f-content-method', SECRET);
    await pick('.content-item[data-key="method"] .withhold-select', '个人隐私');
    await page.click('text=添加一行');
    await page.click('text=添加一行');
    const rows = [
      ['HD2026-0101', '张*明', '已分配', '3-1-502'],
      ['HD2026-0102', '李四', '轮候', ''],
      ['HD2026-0103', '王*', '未通过', ''],
    ];
    for (const [i, [number, name, outcome, unit]] of rows.entries()) {
      await page.fill(`#f-content-results-${i}-applicationNumber`, number!);
      await page.fill(`#f-content-results-${i}-householdName`, name!);
      await pick(`[data-path="content.results.${i}.outcome"] .el-select`, outcome!);
      if (unit) await page.fill(`#f-content-results-${i}-allocatedUnit`, unit);
    }
    // 李四 is not masked: the API's zod error lands beside that cell.
    await page.click('button:has-text("预览各渠道")');
    const cellError = page.locator('[data-path="content.results.1.householdName"] .field-error');
    await cellError.waitFor();
    expect(await cellError.textContent()).toContain('姓名须脱敏');
    await page.fill('#f-content-results-1-householdName', '李*');
    await page.click('button:has-text("预览各渠道")');
    await page.waitForSelector('.channel-preview');
    expect(await page.textContent('.due')).toContain('到期日 2026-11-04');

    const oa = (await page.textContent('.preview-wechat-oa'))!;
    expect(oa).toContain('北京市海淀区住房和城乡建设委员会');
    expect(oa).toContain('超过 20 字已截断');
    expect(await axeProblems()).toEqual([]);
    await screenshots('publish');
    await page.click('.channel-preview >> text=微博');
    const weibo = (await page.textContent('.preview-weibo'))!;
    expect(weibo).toContain('海淀区2026年第四批');
    expect(await page.textContent('.weibo-count')).toMatch(/^\s*\d+ \/ 140 字\s*$/);
    await page.click('.channel-preview >> text=Webhook JSON');
    const webhook = (await page.textContent('.preview-webhook'))!;
    expect(webhook).toContain('依法不予公开（个人隐私）');
    expect(webhook).toContain('HD2026-0103');
    for (const text of [oa, weibo, webhook, (await page.textContent('.channel-preview'))!]) expect(text).not.toContain(SECRET);

    await page.click('button.submit');
    await page.waitForURL(/\/console\/items/);
    await page.waitForSelector(`.items-table .el-table__row:has-text("${TITLE}")`);
    expect(await page.textContent(`.items-table .el-table__row:has-text("${TITLE}")`)).toContain('已公开');
    const stored = await w.db.collection('disclosures').findOne({ title: TITLE });
    expect(stored?.status).toBe('published');
    expect(stored?.revisions[0].content.results).toHaveLength(3);
    expect(stored?.revisions[0].withheld).toEqual([{ path: 'method', basis: 'privacy' }]);
    expect(await w.db.collection('audit').findOne({ action: 'disclosure.publish', subject: stored!._id.toHexString() })).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-clerk' } });
  });

  it('a reviewer approves from the queue (先审后发), bound to the content hash; the item page shows its deliveries', async () => {
    await updateAgency(w.db, 'bj-haidian-zjw', { requireReview: true });
    const id = await draft(w.haidianKey.auth, REVIEWED, '2026-10-08');
    const asked = await w.http().post(`/api/v1/disclosures/${id}/publish`).set(w.haidianKey.auth);
    expect(asked.status).toBe(202);
    await signInAs(reviewer);
    await page.click('nav >> text=待审核');
    await page.waitForSelector(`.review-item:has-text("${REVIEWED}")`);
    expect(await page.textContent('.review-item')).toContain('到期日 2026-11-04');
    expect(await page.$$eval('.el-alert', (alerts) => alerts.map((a) => a.textContent))).toEqual([]);
    expect(await axeProblems()).toEqual([]);
    await screenshots('review');
    await page.click(`.review-item:has-text("${REVIEWED}") button.approve`);
    await page.waitForSelector('text=已批准并公开');
    const stored = await w.db.collection('disclosures').findOne({ title: REVIEWED });
    expect(stored?.status).toBe('published');
    expect(await w.db.collection('audit').findOne({ action: 'disclosure.approve', subject: id })).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-reviewer' } });

    await page.goto(`${base}/console/items/${id}`);
    await page.waitForSelector(`h1:has-text("${REVIEWED}")`);
    await page.waitForSelector('text=各渠道投递');
    expect(await axeProblems()).toEqual([]);
    await screenshots('item');
  });

  it('an admin creates a staff account and sees its password once', async () => {
    await signInAs(admin);
    await page.click('nav >> text=系统管理');
    await page.click('nav[aria-label="系统管理"] >> text=工作人员账号');
    await page.waitForSelector('h1:has-text("工作人员账号")');
    await page.fill('#new-username', 'hd-new-press');
    await page.fill('#new-name', '赵发言');
    await page.click('.new-role');
    const listbox = await page.getAttribute('.new-role [aria-controls]', 'aria-controls');
    await page.locator(`[id="${listbox}"] .el-select-dropdown__item`, { hasText: '新闻发言人' }).first().click();
    await page.click('button:has-text("创建")');
    await page.waitForSelector('text=只显示这一次');
    const shown = (await page.textContent('.el-alert--success'))!;
    const password = /：([A-Za-z0-9]{16})/.exec(shown)?.[1];
    expect(password).toBeDefined();
    expect(await page.textContent('.el-table__body')).toContain('hd-new-press');
    expect((await w.db.collection('staff_accounts').findOne({ _id: 'staff:hd-new-press' as never }))?.role).toBe('press');
    expect(await axeProblems()).toEqual([]);
    await screenshots('staff');
  });

  it('corrects a published item with a diff and a public note, and withdraws another with a reason', async () => {
    const item = await w.db.collection('disclosures').findOne({ title: TITLE });
    await page.goto(`${base}/console/items/${item!._id.toHexString()}`);
    await page.click('button:has-text("更正此事项")');
    await page.fill('#f-content-batch', '2026年第四批（补录）');
    await page.waitForSelector('.correction-diff .el-table__row:has-text("批次")');
    expect(await page.textContent('.correction-diff .el-table__row')).toContain('2026年第四批（补录）');
    await page.fill('#correct-note', '批次名称补录');
    expect(await axeProblems()).toEqual([]);
    await screenshots('correct');
    await page.click('button.submit-correction');
    // 先审后发 is on for this agency since the review test: the correction waits for a reviewer.
    await page.waitForSelector('text=更正已提交审核');
    expect((await w.db.collection('disclosures').findOne({ title: TITLE }))?.review).toMatchObject({ state: 'pending', kind: 'correct' });

    await page.goto(`${base}/console/items/${published}`);
    await page.fill('#withdraw-reason', '项目信息有误，重新核实后另行公开');
    await page.click('button.withdraw');
    await page.waitForSelector('text=已撤回');
    const withdrawn = await w.db.collection('disclosures').findOne({ _id: new ObjectId(published) });
    expect(withdrawn?.status).toBe('withdrawn');
    expect(ui.browser.cspViolations).toEqual([]);
    expect(ui.pageErrors).toEqual([]);
  });
});
