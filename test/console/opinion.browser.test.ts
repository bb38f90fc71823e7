import path from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { createWeiboClient } from '../../channels/weibo/weibo-client.ts';
import { createWeiboReplier } from '../../channels/weibo/weibo-reply.ts';
import { auditModel } from '../../core/audit.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { latestClosedWindow } from '../../core/opinion/spikes.ts';
import { openTask } from '../../core/opinion/tasks.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { axeProblems as axeFindings } from '../helpers/browser.ts';
import { fanOutWorld, WEIBO_SERVER_IP } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, testApp } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';
import { hoursAfter, quietThenBurst, reaction } from '../opinion/opinion-fixtures.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { pickOption, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';
import { signIn } from './staff-world.ts';

/*
 * A press officer's public-opinion desk in the console, on real parts: FerretDB, the fan-out on a
 * job queue posting to the sandbox's Weibo over HTTP, the opinion watch opening the alert, the
 * respond endpoint replying through the same sandbox. Each step is its own `it`, in the order an
 * officer works, so a later check (e.g. a staff robot having received the alert) slots in between.
 */
const world = await fanOutWorld('opinion_console_browser');
const { db, sandbox, services } = world;
const HD = 'bj-haidian-zjw';
const SESSION_SECRET = 'opinion-console-test-secret-0123456789abcdef';
const weiboReplier = createWeiboReplier({ client: createWeiboClient({ baseURL: sandbox.url, timeoutMs: 5_000 }), accessToken: SANDBOX_APPS.weiboToken, rip: WEIBO_SERVER_IP });
// Plain http on 127.0.0.1, so the staff cookie goes without the Secure flag the https deployment sets.
const app = testApp(
  { logger: captureLogs('warn').logger, db, services },
  { queue: world.queue, weiboReplier, trustProxy: true, publicBaseUrl: 'http://127.0.0.1', press: { sessionSecret: SESSION_SECRET } },
);
const http = () => request(app.callback());
const account = (username: string, role: 'press' | 'publisher' | 'reviewer', agencyCode = HD) =>
  createStaff(db, { agencyCode, username, role }).then((r) => ({ username, password: r.password }));

const publisher = await agencyWithKey(db, HD, 'publisher', '北京市海淀区住房和城乡建设委员会');
await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher', '北京市朝阳区住房和城乡建设委员会');
const press = await account('hd-press', 'press');
const clerk = await account('hd-clerk', 'publisher');
const reviewer = await account('hd-reviewer', 'reviewer');

// A published allocation result whose Weibo post went out through the fan-out.
const TITLE = '海淀区2026年第三批公共租赁住房分配结果公示';
const created = await http().post('/api/v1/disclosures').set(publisher.auth).send(allocationResult({ title: TITLE }));
const ITEM = created.body.id as string;
await http().post(`/api/v1/disclosures/${ITEM}/publish`).set(publisher.auth).expect(200);
const delivery = await waitFor(
  () => db.collection('deliveries').findOne({ disclosureId: ITEM, channel: 'weibo' }),
  (d) => d?.state === 'sent',
);
const STATUS_ID = delivery!.externalId as string;

// One fixed moment for the watch: the burst fills the latest closed hour before it.
const AT = new Date();
const burstStart = latestClosedWindow(AT, 60).start;
await quietThenBurst(db, HD, burstStart, { disclosureId: ITEM });
// A real comment under our post on Weibo, collected as a reaction: the one the officer answers.
const COMMENT_TEXT = '摇号名单里为什么没有公布轮候号？';
const COMMENT_ID = sandbox.weibo.addComment(STATUS_ID, { text: COMMENT_TEXT, user: { id: '6000000001' } });
await reactionCollection(db).insertOne({
  ...reaction(HD, hoursAfter(burstStart, 0.9), { disclosureId: ITEM, label: 'neg', text: COMMENT_TEXT }),
  _id: `weibo-comment:${COMMENT_ID}`,
  externalId: COMMENT_ID,
  statusId: STATUS_ID,
});
// A follower message nobody answered for 50 hours: the watchdog's finding.
await reactionCollection(db).insertOne(reaction(HD, hoursAfter(AT, -50), { source: 'wechat-oa', text: '公租房轮候名单在哪里查？' }));
// A major task opened six hours ago and never answered: its 5-hour clock ran out.
const OVERDUE = await openTask(db, { agencyCode: HD, level: 'major', owner: '值班新闻发言人', by: 'test' }, hoursAfter(AT, -6));
// The press office's WeCom group robot, in sandbox mode, set up by the agency's admin as the README says.
const admin = await agencyWithKey(db, HD, 'admin');
const targetSaved = await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send({ kind: 'wecom-robot', id: 'duty', name: '新闻办值班群', mode: 'sandbox' });
if (targetSaved.status !== 200 && targetSaved.status !== 201) throw new Error(`staff alert target: ${targetSaved.status} ${JSON.stringify(targetSaved.body)}`);
const staffAlerts = { keys: TEST_DATA_KEYS, publicBaseUrl: 'http://127.0.0.1', sandboxUrl: sandbox.url, tokenStore: createMongoTokenStore(db) };
const watched = await runOpinionWatch({ db, readModel: services.readModel, now: () => AT, channels: services.disclosures.fanOutChannels, staffAlerts });
const ALERT = `disclosure:${ITEM}:${burstStart.toISOString()}`;
const AGENCY_ALERT = `agency:${HD}:${burstStart.toISOString()}`;

const RESPONSE = '轮候号已在公示附件中列出，请查阅原公示；如有疑问可拨打咨询电话。';

let ui: ConsoleBrowser;
let base: string;
let page: Page;

beforeAll(async () => {
  ui = await startConsoleBrowser(app);
  ({ base, page } = ui);
});
afterAll(() => stopConsoleBrowser(ui));

const axeProblems = () => axeFindings(page, { allRules: true });
const screenshots = (name: string) => twoWidths(page, `console-${name}`);
const pick = (select: string, option: string | RegExp) => pickOption(page, select, option);

const alertCard = (id: string) => page.locator(`article[data-alert="${id}"]`);

describe('the public-opinion desk in the console', () => {
  it('has the spike alerts and the overdue task to show', () => {
    expect(watched.alertsOpened.sort()).toEqual([AGENCY_ALERT, ALERT].sort());
    expect(watched.tasksEscalated).toEqual([OVERDUE._id]);
  });

  it('a press officer signs in with the keyboard and finds 舆情预警 and 回应任务 in the menu, /press still reachable', async () => {
    await page.goto(`${base}/console/`);
    await page.waitForURL(/\/console\/sign-in/);
    await page.waitForSelector('#username');
    for (let i = 0; i < 10 && (await page.evaluate('document.activeElement?.id')) !== 'username'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('username');
    await page.keyboard.type(press.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(press.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/items`);
    const nav = await page.$$eval('nav a', (links) => links.map((a) => [a.textContent?.trim(), a.getAttribute('href')]));
    expect(nav).toEqual(expect.arrayContaining([['舆情预警', '/console/opinion/alerts'], ['回应任务', '/console/opinion/tasks'], ['舆情工作台', '/press']]));
  });

  it('lists the spike alerts, open first, each with its figures, keywords, time and links, and the watchdog’s findings', async () => {
    await page.click('nav >> text=舆情预警');
    await page.waitForSelector(`article[data-alert="${ALERT}"]`);
    const card = alertCard(ALERT);
    await expect.poll(() => card.locator('.opinion-title').textContent()).toBe(TITLE);
    const text = (await card.textContent())!;
    expect(text).toContain('负面占比');
    expect(text).toMatch(/声量\s*31 条（基线平均 2 条，24 个时段）/);
    expect(text).toContain('待处理');
    await expect.poll(() => card.locator('.keywords').textContent()).toMatch(/\S/);
    expect(await card.locator('a', { hasText: '相关反应' }).getAttribute('href')).toBe(`/press/disclosures/${ITEM}`);
    expect(await card.locator('a', { hasText: '所涉事项' }).getAttribute('href')).toBe(`/console/items/${ITEM}`);
    // The console's session opens /press too: the reactions are there, with the comment to answer.
    const reactions = await page.request.get(`${base}/press/disclosures/${ITEM}`);
    expect(reactions.status()).toBe(200);
    expect(await reactions.text()).toContain(COMMENT_TEXT);
    const statuses = await page.$$eval('article.opinion-alert', (cards) => cards.map((c) => c.getAttribute('data-status')));
    expect(statuses).toEqual(['open', 'open']);
    const watchdog = (await page.textContent('.watchdog'))!;
    expect(watchdog).toContain('公租房轮候名单在哪里查？');
    expect(watchdog).toMatch(/已等待 5\d 小时/);
    expect(await axeProblems()).toEqual([]);
    await screenshots('opinion-alerts');
  });

  it('told the press office’s WeCom group (the robot sandbox) of each spike once, linking to this page', async () => {
    await runOpinionWatch({ db, readModel: services.readModel, now: () => AT, channels: services.disclosures.fanOutChannels, staffAlerts });
    const spikes = sandbox.outbox.list('wecom-robot').filter((e) => JSON.stringify(e.body).includes('【舆情预警】'));
    expect(spikes).toHaveLength(2);
    const texts = spikes.map((e) => (e.body as { markdown: { content: string } }).markdown.content);
    expect(texts.some((t) => t.includes('一条公开信息的公众反应出现异常'))).toBe(true);
    for (const text of texts) {
      expect(text).toMatch(/近1小时负面占比 \d+%/);
      expect(text).toContain('(http://127.0.0.1/console/opinion/alerts)');
      // Counts and shares only: no reaction's words reach the group.
      expect(text).not.toContain(COMMENT_TEXT);
    }
  });

  it('acknowledges the alert, which names who and when and keeps it open', async () => {
    await alertCard(ALERT).locator('button.acknowledge').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`article[data-alert="${ALERT}"] .acknowledged`);
    expect(await alertCard(ALERT).locator('.acknowledged').textContent()).toContain('hd-press');
    const stored = await db.collection('opinion_alerts').findOne({ _id: ALERT as never });
    expect(stored).toMatchObject({ status: 'open', acknowledgedBy: 'staff:hd-press' });
  });

  it('dismisses the agency-wide alert with a reason, recorded in the audit log', async () => {
    await alertCard(AGENCY_ALERT).locator('button.dismiss').click();
    await page.fill(`[id="note-${AGENCY_ALERT}"]`, '与事项预警重复');
    await alertCard(AGENCY_ALERT).locator('button.confirm-dismiss').click();
    await page.waitForSelector(`article[data-alert="${AGENCY_ALERT}"][data-status="dismissed"]`);
    // Dismissed alerts go below the open one.
    expect(await page.$$eval('article.opinion-alert', (cards) => cards.map((c) => c.getAttribute('data-alert')))).toEqual([ALERT, AGENCY_ALERT]);
    expect(await auditModel(db).findOne({ action: 'opinion.alert.dismiss', subject: AGENCY_ALERT })).toMatchObject({ detail: { note: '与事项预警重复' } });
  });

  it('turns the alert into a major response task whose 5-hour and 24-hour clocks are visible', async () => {
    await alertCard(ALERT).locator('button.to-task').click();
    await pick(`article[data-alert="${ALERT}"] .task-level`, '重大舆情');
    await page.fill(`[id="owner-${ALERT}"]`, '新闻发言人 王芳');
    await alertCard(ALERT).locator('button.create-task').click();
    await page.waitForURL(`${base}/console/opinion/tasks/${encodeURIComponent(`alert:${ALERT}`)}`);
    await page.waitForSelector('h1:has-text("回应任务")');
    await expect.poll(() => page.textContent('h1')).toBe(`回应任务：${TITLE}`);
    const clocks = await page.$$eval('.clock', (els) => els.map((e) => e.textContent?.replace(/\s+/g, ' ').trim()));
    expect(clocks).toEqual([expect.stringMatching(/^首次回应截止 \d{4}-\d\d-\d\d \d\d:\d\d：剩 4 小时 5\d 分$/), expect.stringMatching(/^新闻发布会截止 .*：剩 2[0-3] 小时 \d+ 分$/)]);
    expect(await page.textContent('#alert-h + .opinion-reason')).toContain('负面占比');
    const task = await responseTaskCollection(db).findOne({ _id: `alert:${ALERT}` });
    expect(task).toMatchObject({ level: 'major', owner: '新闻发言人 王芳', status: 'open', disclosureId: ITEM });
    await page.waitForSelector(`[data-reaction="weibo-comment:${COMMENT_ID}"]`);
    expect(await axeProblems()).toEqual([]);
    await screenshots('opinion-task');
  });

  it('answers it: a reply to the Weibo comment that the sandbox records, and a published 回应 item linked to the original', async () => {
    await page.click('button.acknowledge-task');
    await page.waitForSelector('.task-status:has-text("已接收")');
    // Too long for Weibo: the API's refusal is shown beside the text, and nothing is posted.
    await page.fill('#respond-text', '回'.repeat(141));
    await page.click('button.submit-response');
    await page.waitForSelector('.respond-form .el-form-item.is-error:has(#respond-text)');
    expect(await page.textContent('.respond-form .el-form-item.is-error:has(#respond-text) .el-form-item__error')).toContain('微博回复不能超过140字');
    expect(sandbox.outbox.list('weibo').filter((e) => e.path.startsWith('/2/comments/'))).toEqual([]);
    await page.fill('#respond-text', RESPONSE);
    await page.click(`.reply-target [data-comment="${COMMENT_ID}"]`);
    await page.click('.respond-item');
    await page.click('button.submit-response');
    await page.waitForSelector('.response .weibo-reply');

    const reply = sandbox.outbox.list('weibo').filter((e) => e.path === '/2/comments/reply.json');
    expect(reply).toEqual([expect.objectContaining({ body: expect.objectContaining({ cid: COMMENT_ID, id: STATUS_ID, comment: RESPONSE }) })]);
    // The officer's own address (the browser's, on loopback) goes to Weibo as rip.
    expect((reply[0]!.body as { rip: string }).rip).toBe('127.0.0.1');
    const task = await responseTaskCollection(db).findOne({ _id: `alert:${ALERT}` });
    expect(task).toMatchObject({ status: 'responded', response: { text: RESPONSE, weiboCommentId: reply[0]!.externalId } });
    expect(await page.textContent('.response .weibo-reply')).toContain(reply[0]!.externalId!);
    const responses = await http().get(`/api/v1/disclosures/${ITEM}/responses`).expect(200);
    expect(responses.body.items.map((i: { id: string }) => i.id)).toEqual([task!.response!.disclosureId]);
    expect(await page.getAttribute('.response-item a[href^="/disclosures/"]', 'href')).toBe(`/disclosures/${task!.response!.disclosureId}`);
  });

  it('closes it once answered (for a major task: the press conference was held)', async () => {
    await page.fill('#close-note', '新闻发布会已于今日召开');
    await page.click('button.close-task');
    await page.waitForSelector('.task-status:has-text("已关闭")');
    expect(await page.$('.clock[data-overdue]')).toBeNull();
    const task = await responseTaskCollection(db).findOne({ _id: `alert:${ALERT}` });
    expect(task?.status).toBe('closed');
    expect(task?.events.map((e) => e.action)).toEqual(['open', 'acknowledge', 'respond', 'close']);
    expect(await page.textContent('.events')).toContain('新闻发布会已于今日召开');
  });

  it('lists the tasks most urgent first: the overdue one in red and marked escalated, the closed one under 全部', async () => {
    await page.click('nav >> text=回应任务');
    await page.waitForSelector(`li[data-task="${OVERDUE._id}"]`);
    expect(await page.$$eval('li.opinion-task', (items) => items.map((i) => i.getAttribute('data-task')))).toEqual([OVERDUE._id]);
    const overdue = page.locator(`li[data-task="${OVERDUE._id}"]`);
    expect(await overdue.locator('.escalated').textContent()).toContain('已超时升级');
    expect(await overdue.locator('.clock').first().textContent()).toMatch(/首次回应截止 .*：已超时 1 小时 \d+ 分/);
    const red = `getComputedStyle(document.querySelector('li[data-task="${OVERDUE._id}"] .clock .overdue')).color`;
    expect(await page.evaluate(red)).toBe('rgb(179, 38, 30)');
    await page.click('.task-filter >> text=全部');
    await page.waitForSelector(`li[data-task="alert:${ALERT}"][data-status="closed"]`);
    expect(await page.$$eval('li.opinion-task', (items) => items.map((i) => i.getAttribute('data-task')))).toEqual([OVERDUE._id, `alert:${ALERT}`]);
    expect(await axeProblems()).toEqual([]);
    await screenshots('opinion-tasks');
  });

  it('creates a task by hand (a journalist’s call) on one of the agency’s items, with its 48-hour clock', async () => {
    await page.click('button.new-task');
    await page.waitForSelector('#new-owner');
    await page.fill('#new-owner', '宣传科');
    // Exactly the original: the 回应 item published above names it in its own title.
    await pick('.opinion-form .el-form-item:has(#new-disclosure) .el-select', new RegExp(`^${TITLE}$`));
    await page.click('.opinion-form button[type="submit"]');
    await page.waitForURL(/\/console\/opinion\/tasks\/task%3A/);
    await page.waitForSelector('.clock');
    expect(await page.textContent('.clock')).toMatch(/首次回应截止 .*：剩 (1 天 23 小时|2 天 0 小时)/);
    const manual = await responseTaskCollection(db).findOne({ owner: '宣传科' });
    expect(manual).toMatchObject({ level: 'normal', disclosureId: ITEM, agencyCode: HD });
    expect(ui.pageErrors).toEqual([]);
  });

  it('withdraws that task with a reason (required, shown beside the field when missing), stopping its clock', async () => {
    await page.click('button.dismiss-task');
    await page.waitForSelector('.el-form-item.is-error:has(#dismiss-note)');
    await page.fill('#dismiss-note', '记者来电已由办公室答复，无需另行回应');
    await page.click('button.dismiss-task');
    await page.waitForSelector('.task-status:has-text("已撤销")');
    expect(await page.$('.clock[data-overdue]')).toBeNull();
    const manual = await responseTaskCollection(db).findOne({ owner: '宣传科' });
    expect(manual).toMatchObject({ status: 'dismissed', events: [{ action: 'open' }, { action: 'dismiss', note: '记者来电已由办公室答复，无需另行回应' }] });
    await page.click('nav >> text=回应任务');
    await page.waitForSelector(`li[data-task="${OVERDUE._id}"]`);
    // 进行中 lists what is still to do.
    expect(await page.$$eval('li.opinion-task', (items) => items.map((i) => i.getAttribute('data-task')))).toEqual([OVERDUE._id]);
    expect(ui.pageErrors).toEqual([]);
  });

  it('keeps publishers and reviewers out: no menu entries, the router tells them why, the API answers 403', async () => {
    for (const who of [clerk, reviewer]) {
      await page.click('button:has-text("退出登录")');
      await page.waitForURL(/\/console\/sign-in/);
      await page.fill('#username', who.username);
      await page.fill('#password', who.password);
      await page.click('button:has-text("登录")');
      await page.waitForURL(`${base}/console/items`);
      expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent?.trim()))).not.toContain('舆情预警');
      await page.goto(`${base}/console/opinion/tasks`);
      await page.waitForURL((url) => url.pathname === '/console/forbidden' && url.searchParams.get('from') === '/opinion/tasks' && url.searchParams.get('need') === 'press');
      await page.waitForSelector('text=舆情工作仅限新闻发言人和管理员使用');
      const { cookie } = await signIn(http, who.username, who.password);
      expect((await http().get('/api/v1/opinion/alerts').set('Cookie', cookie)).status).toBe(403);
      expect((await http().get(`/api/v1/opinion/tasks/${encodeURIComponent(OVERDUE._id)}`).set('Cookie', cookie)).status).toBe(403);
    }
  });
});
