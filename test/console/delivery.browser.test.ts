import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAgency } from '../../core/agencies/agencies.ts';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { axeProblems as axeFindings } from '../helpers/browser.ts';
import { fanOutWorld, grantConsent, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';
import { signInThroughForm, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';
import { signIn } from './staff-world.ts';

/*
 * The item page and the list on real parts: FerretDB, the fan-out on a job queue sending to the
 * sandbox's WeChat and Weibo over HTTP (live accounts, the sandbox standing in for the platforms;
 * webhooks through the sandbox account, so counted apart), the sandbox set up through its admin
 * endpoints as a person would with curl.
 */
const SESSION_SECRET = 'delivery-console-test-secret-0123456789abcdef';
const world = await fanOutWorld(
  'delivery_console_browser',
  { WEBHOOK_MODE: 'sandbox' },
  // Plain http on 127.0.0.1, so the staff cookie goes without the Secure flag the https deployment sets.
  { app: { publicBaseUrl: 'http://127.0.0.1', press: { sessionSecret: SESSION_SECRET }, miniProgramPage: 'pages/detail/detail' } },
);
const { db, sandbox, http } = world;
const HD = 'bj-haidian-zjw';
const key = await agencyWithKey(db, HD, 'publisher', '北京市海淀区住房和城乡建设委员会');
await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher', '北京市朝阳区住房和城乡建设委员会');
const account = async (username: string, role: 'admin' | 'publisher', displayName?: string) =>
  ({ username, password: (await createStaff(db, { agencyCode: HD, username, role, ...(displayName ? { displayName } : {}) })).password });
const admin = await account('hd-admin', 'admin', '王主任');
const clerk = await account('hd-clerk', 'publisher', '张科员');
// 先审后发: a publisher's publication waits for review; only an admin's 紧急发布 skips it.
await updateAgency(db, HD, { requireReview: true });

const admin_ = (path: string, body: unknown) =>
  fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  });
const OA = SANDBOX_APPS.oa.appId;
const MP = SANDBOX_APPS.mp.appId;
// Three followers who receive it, one who unfollowed (43004), a mini-program user who refused (43101).
for (const openid of ['oa-reader-1', 'oa-reader-2', 'oa-reader-3', 'oa-left']) {
  await admin_('/sandbox/admin/wechat/followers', { appid: OA, openid });
  await subscribe(db, 'wechat-oa', openid);
}
await admin_('/sandbox/admin/wechat/unfollow', { appid: OA, openid: 'oa-left' });
await admin_('/sandbox/admin/wechat/subscribers', { appid: MP, openid: 'mp-refused' });
await grantConsent(db, 'mp-refused', 'long-term');
await subscribe(db, 'wechat-mp', 'mp-refused');
// The Weibo token is refused once (21332): the post fails until an operator retries it.
await admin_('/sandbox/admin/weibo/faults', { path: '/2/statuses/share.json', errorCode: 21332, count: 1 });
// The first notice is held by the sandbox until the page has shown the fan-out running.
const HELD = sandbox.wechat.faults.inject({ path: '/cgi-bin/message/template/send', hold: true, count: 1 });

const TITLE = '海淀区2026年第六批公共租赁住房（紧急安置）分配结果公示';
const draft = async (body: Record<string, unknown>) => {
  const res = await http().post('/api/v1/disclosures').set(key.auth).send(allocationResult(body));
  if (res.status !== 201) throw new Error(`draft: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
};
// One field withheld (个人隐私): it must reach no channel, sandbox or live.
const SECRET = '内部议定的安置办法甲乙丙';
const ITEM = await draft({
  title: TITLE,
  formedAt: '2026-11-20',
  content: { ...allocationContent(['HD2026-0601', 'HD2026-0602']), method: SECRET },
  withheld: [{ path: 'method', basis: 'privacy' }],
});
/** What the sandbox received about the item, on every channel, as the vendors would have. */
const receivedAboutItem = () => sandbox.outbox.list().filter((e) => JSON.stringify(e.body).includes(ITEM));
// For the list: an overdue draft, a procurement budget, a fresh allocation result.
await draft({ title: '海淀区逾期未公开的分配结果', formedAt: '2026-08-20' });
const BUDGET = await draft({
  field: 'procurement',
  itemType: 'budget',
  title: '海淀区保障房物业服务采购预算',
  formedAt: '2026-11-25',
  content: { year: 2026, purchaser: '北京市海淀区住房和城乡建设委员会', projectName: '保障房物业服务采购', amount: 800_000 },
});

let ui: ConsoleBrowser;
let base: string;
let page: Page;
/** Every delivery report the page fetched, in order. */
const reports: { channels: { counts: Record<string, number>; outbox: { state: string }[] }[] }[] = [];

beforeAll(async () => {
  ui = await startConsoleBrowser(world.app, { timeoutMs: 15_000 });
  ({ base, page } = ui);
  page.on('response', async (res) => {
    if (res.url().endsWith(`/api/v1/disclosures/${ITEM}/deliveries`) && res.request().method() === 'GET') reports.push(await res.json());
  });
});
afterAll(() => stopConsoleBrowser(ui));

const axeProblems = () => axeFindings(page, { allRules: true });
const screenshots = (name: string) => twoWidths(page, `console-${name}`);
const signInAs = (who: { username: string; password: string }) => signInThroughForm(ui, who);
const card = (channel: string) => page.locator(`.delivery-card[data-channel="${channel}"]`);

describe('an item’s page: urgent publication, deliveries, public links', () => {
  it('shows a publisher no 紧急发布 button on a draft', async () => {
    await signInAs(clerk);
    await page.goto(`${base}/console/items/${ITEM}`);
    await page.waitForSelector(`h1:has-text("${TITLE}")`);
    await page.waitForSelector('#links-title');
    expect(await page.locator('button:has-text("紧急发布")').count()).toBe(0);
    expect(await page.textContent('.public-links')).toContain('草稿尚未公开');
  });

  it('lets an admin publish a draft urgently, with a reason required', async () => {
    await signInAs(admin);
    await page.goto(`${base}/console/items/${ITEM}`);
    await page.click('button.urgent-open');
    await page.waitForSelector('.urgent-dialog');
    await page.click('button.urgent-confirm');
    await page.waitForSelector('#urgent-reason-error:has-text("请填写紧急发布理由")');
    expect(await axeProblems()).toEqual([]);
    await screenshots('urgent');
    await page.fill('#urgent-reason', '安置房分配结果须于今日公开，审核员不在岗');
    await page.click('button.urgent-confirm');
    await page.waitForSelector('text=已紧急发布');
    const stored = await db.collection('disclosures').findOne({ title: TITLE });
    expect(stored?.status).toBe('published');
    expect(stored?.events).toContainEqual(expect.objectContaining({ action: 'urgent', note: '安置房分配结果须于今日公开，审核员不在岗', keyId: 'staff:hd-admin', role: 'admin' }));
  });

  it('follows the fan-out live until it settles: counts by state with progress, failures grouped by reason', async () => {
    // One notice is still in the sandbox's hands: the page says so, with the bar short of full, and keeps polling.
    await waitFor(async () => sandbox.wechat.faults.holding(HELD), (n) => n === 1);
    await card('wechat-oa').locator('.el-tag:has-text("投递中")').waitFor();
    // Records are written as each batch returns: the held one's batch is not counted yet.
    const progress = card('wechat-oa').locator('.mode-live .el-progress__text');
    expect((await progress.count()) === 0 || (await progress.textContent())?.trim() !== '4/4').toBe(true);
    expect(await page.getAttribute('section.deliveries', 'data-polling')).toBe('true');
    await screenshots('delivery-running');
    sandbox.wechat.faults.release(HELD);
    // Every channel done: the Weibo failure waits for a person, the rest are sent or skipped.
    for (const channel of ['wechat-oa', 'wechat-mp', 'weibo', 'webhook']) await card(channel).locator('.el-tag:has-text("已结束")').waitFor();
    // The page polled while sends were still queued or in flight, and showed the last report.
    expect(reports.some((r) => r.channels.some((c) => c.outbox.some((o) => o.state !== 'done') || c.counts.queued || c.counts.sending))).toBe(true);

    const oa = card('wechat-oa');
    expect(await oa.locator('.mode-live .state-sent').textContent()).toContain('已发送 3');
    expect(await oa.locator('.mode-live .el-progress').getAttribute('aria-valuenow')).toBe('100');
    expect(await oa.locator('.mode-live .el-progress__text').textContent()).toContain('4/4');
    expect(await oa.locator('.failure-table tbody').textContent()).toMatch(/未关注：用户已取消关注公众号.*43004.*跳过.*1/);
    expect(await card('wechat-mp').locator('.failure-table tbody').textContent()).toMatch(/用户拒收.*43101.*跳过.*1/);
    expect(await card('weibo').locator('.failure-table tbody').textContent()).toMatch(/微博访问令牌无效.*21332.*失败.*1/);
    // Sandbox sends are apart, and nothing of them counts as sent to the public.
    const webhook = card('webhook');
    expect(await webhook.locator('.mode-live').textContent()).toContain('没有正式发送的记录');
    expect(await webhook.locator('.mode-sandbox').textContent()).toMatch(/沙箱.*已发送 1/);
    // The sandbox got the notices and the webhook, and the withheld value in none of them.
    const received = receivedAboutItem();
    expect(new Set(received.map((e) => e.channel))).toEqual(new Set(['wechat-oa', 'webhook']));
    expect(received.filter((e) => e.channel === 'wechat-oa')).toHaveLength(3);
    for (const entry of received) expect(JSON.stringify(entry.body), entry.path).not.toContain(SECRET);
    expect(JSON.stringify(received.find((e) => e.channel === 'webhook')!.body)).toContain('依法不予公开（个人隐私）');
    // Polling stopped once nothing was left to send.
    await page.waitForSelector('section.deliveries[data-polling="false"]');

    expect(await axeProblems()).toEqual([]);
    await screenshots('delivery');
  });

  it('retries the failed Weibo post and then links it, beside the other public links', async () => {
    const links = page.locator('.public-links');
    expect(await links.textContent()).toContain('尚未发布到微博');
    await card('weibo').locator('button:has-text("重试失败")').click();
    await page.waitForSelector('text=已将 1 条失败投递重新排队');
    await card('weibo').locator('.mode-live .state-sent:has-text("已发送 1")').waitFor();
    expect(await card('weibo').locator('.failure-table').count()).toBe(0);
    const posted = sandbox.weibo.statuses().find((s) => s.text.includes(ITEM));
    expect(posted).toBeDefined();
    expect(posted!.text).not.toContain(SECRET);
    for (const entry of receivedAboutItem()) expect(JSON.stringify(entry.body), entry.path).not.toContain(SECRET);
    await links.locator(`a.link-weibo[href="https://m.weibo.cn/detail/${posted!.idstr}"]`).waitFor();
    expect(await links.locator('a.link-website').getAttribute('href')).toBe(`http://127.0.0.1/disclosures/${ITEM}`);
    expect(await links.locator('.link-mp').textContent()).toBe(`pages/detail/detail?id=${ITEM}`);
    expect(await links.locator('.feed-links a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      'http://127.0.0.1/feeds/rss.xml?agency=bj-haidian-zjw',
      'http://127.0.0.1/feeds/atom.xml?agency=bj-haidian-zjw',
      'http://127.0.0.1/feeds/feed.json?agency=bj-haidian-zjw',
    ]);
    expect(await axeProblems()).toEqual([]);
    await screenshots('delivery-retried');
  });
});

describe('the review queue and the list', () => {
  it('names the staff member who asked for review', async () => {
    const session = await signIn(http, clerk.username, clerk.password);
    const asked = await http().post(`/api/v1/disclosures/${BUDGET}/publish`).set({ Cookie: session.cookie, 'X-CSRF-Token': session.csrf }).send({});
    expect(asked.status).toBe(202);
    await page.click('nav >> text=待审核');
    await page.waitForSelector('.review-item:has-text("海淀区保障房物业服务采购预算")');
    expect(await page.textContent('.review-item .requester')).toBe('张科员（hd-clerk）');
  });

  it('narrows the list by field, item type, 到期日 and overdue, and keeps the filters in the URL across a reload', async () => {
    await page.click('nav >> text=本机关事项');
    await page.waitForSelector('.items-table .el-table__row');
    const titles = () => page.$$eval('.items-table .el-table__row', (trs) => trs.map((tr) => tr.querySelector('a')?.textContent ?? ''));
    expect((await titles()).length).toBe(3);

    await page.click('.filter-field');
    const listbox = await page.getAttribute('.filter-field [aria-controls]', 'aria-controls');
    await page.locator(`[id="${listbox}"] .el-select-dropdown__item`, { hasText: '住房保障' }).first().click();
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 2");
    await page.click('.filter-overdue');
    await page.waitForURL(/overdue=true/);
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 1");
    expect(await titles()).toEqual(['海淀区逾期未公开的分配结果']);
    expect(page.url()).toContain('field=housing');

    await page.click('.filter-overdue');
    await page.fill('#filter-due-from', '2026-12-01');
    await page.keyboard.press('Enter');
    await page.waitForURL(/dueFrom=2026-12-01/);
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 1");
    expect(await titles()).toEqual([TITLE]);

    await page.reload();
    await page.waitForSelector('.items-table .el-table__row');
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 1");
    expect(await titles()).toEqual([TITLE]);
    expect(await page.inputValue('#filter-due-from')).toBe('2026-12-01');
    expect(await page.textContent('.filter-field')).toContain('住房保障');
    expect(await axeProblems()).toEqual([]);
    await screenshots('items-filtered');

    await page.click('.filter-clear');
    await page.waitForFunction("document.querySelectorAll('.items-table .el-table__row').length === 3");
    expect(new URL(page.url()).search).toBe('');
    expect(ui.pageErrors).toEqual([]);
    expect(ui.browser.cspViolations).toEqual([]);
  });
});
