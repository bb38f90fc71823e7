import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import type { ChannelId } from '../../channels/types.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { dismissAlert } from '../../core/opinion/spikes.ts';
import { openTask } from '../../core/opinion/tasks.ts';
import { staffAlertNotifications, STAFF_ALERT_RETRY } from '../../core/staff-alerts/notify.ts';
import { staffAlertTargetInput } from '../../core/staff-alerts/target-input.ts';
import { saveTarget, staffAlertTargets } from '../../core/staff-alerts/targets.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { OA_KEYS } from '../channels/wechat-helpers.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { BASE_URL } from '../helpers/registry.ts';
import { cst, hoursAfter, quietThenBurst, reaction } from '../opinion/opinion-fixtures.ts';

const db = await connectTestDb('staff-alerts-watch');
const HD = 'bj-haidian-zjw';
const CY = 'bj-chaoyang-zjw';
const XC = 'bj-xicheng-zjw';
const NAMES: Record<string, string> = { [HD]: '北京市海淀区住房和城乡建设委员会', [CY]: '北京市朝阳区住房和城乡建设委员会', [XC]: '北京市西城区住房和城乡建设委员会' };
for (const code of [HD, CY, XC]) await createAgency(db, { code, name: NAMES[code]! });

const clock = { now: cst('2026-11-20T10:00') };
const sandbox = await startSandbox({ robotsNow: () => clock.now.getTime() });
afterAll(() => sandbox.close());
sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, OA_KEYS);
sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, 'o-duty-officer-wang');
const { logger, text: logText } = captureLogs('debug');
const readModel = testReadModel();
const wiring = { keys: TEST_DATA_KEYS, publicBaseUrl: BASE_URL, sandboxUrl: sandbox.url, tokenStore: createMongoTokenStore(db), clock: () => clock.now.getTime() };
const watch = (channels: ChannelId[] = []) => runOpinionWatch({ db, readModel, now: () => clock.now, channels, logger, staffAlerts: wiring });

const SECRETS = ['unregistered-key-0123', 'SECnot-the-sandbox-secret-0123', 'tight-robot-key-0123', 'never-robot-key-0123'];
async function target(agencyCode: string, body: Record<string, unknown>) {
  return saveTarget(db, TEST_DATA_KEYS, { keyId: 'test-admin', agencyCode, role: 'admin' }, staffAlertTargetInput.parse(body), clock.now);
}
const received = (channel: 'wecom-robot' | 'dingtalk-robot', agencyCode: string, marker: string) =>
  sandbox.outbox.list(channel).filter((e) => JSON.stringify(e.body).includes(NAMES[agencyCode]!) && JSON.stringify(e.body).includes(marker));
const notice = (id: string) => staffAlertNotifications(db).findOne({ _id: id });

await target(HD, { kind: 'wecom-robot', id: 'duty', name: '新闻办值班群', mode: 'sandbox' });
await target(HD, { kind: 'dingtalk-robot', id: 'duty', mode: 'sandbox' });
await target(HD, { kind: 'wechat-oa-staff', id: 'officer-wang', mode: 'sandbox', openid: 'o-duty-officer-wang' });
await target(HD, { kind: 'dingtalk-robot', id: 'wrong-secret', mode: 'sandbox', secrets: { secret: SECRETS[1] } });
await target(HD, { kind: 'wecom-robot', id: 'bad-key', mode: 'sandbox', secrets: { key: SECRETS[0] } });
await target(HD, { kind: 'wecom-robot', id: 'switched-off', mode: 'off' });
await target(CY, { kind: 'wecom-robot', id: 'cy-duty', mode: 'sandbox' });

describe('a spike alert reaches the officers on duty', () => {
  it('once per target across two overlapping watch runs: WeCom, DingTalk (signed) and the OA template', async () => {
    await quietThenBurst(db, HD, cst('2026-11-20T09:00'));
    clock.now = cst('2026-11-20T10:05');
    const [first, second] = await Promise.all([watch(), watch()]);
    expect([...first.alertsOpened, ...second.alertsOpened]).toHaveLength(1);
    const wecom = received('wecom-robot', HD, '舆情预警');
    const ding = received('dingtalk-robot', HD, '舆情预警');
    expect(wecom).toHaveLength(1);
    expect(ding).toHaveLength(1);
    const oa = sandbox.outbox.list('wechat-oa').filter((e) => (e.body as { touser: string }).touser === 'o-duty-officer-wang');
    expect(oa).toHaveLength(1);
    const content = (wecom[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('【舆情预警】本机关公众反应出现异常');
    expect(content).toContain('近1小时负面占比 73%（22/30 条），基线 13%');
    expect(content).toContain(`[前往舆情工作台处理](${BASE_URL}/console/opinion/alerts)`);
    // Counts only: the reactions' own words stay in the console.
    expect(content).not.toContain('摇号结果有问题');
    expect((oa[0]!.body as { url: string; data: Record<string, { value: string }> }).data.thing1!.value).toBe('【舆情预警】本机关公众反应出现异常');
    // Nobody else hears about this agency's alert; a target switched off gets nothing.
    expect(received('wecom-robot', CY, '舆情预警')).toHaveLength(0);
    expect(await staffAlertNotifications(db).countDocuments({ targetId: `${HD}/wecom-robot/switched-off` })).toBe(0);
    const sent = await staffAlertNotifications(db).find({ agencyCode: HD, state: 'sent' }).toArray();
    expect(sent.map((n) => n.targetId).sort()).toEqual([`${HD}/dingtalk-robot/duty`, `${HD}/wechat-oa-staff/officer-wang`, `${HD}/wecom-robot/duty`]);
    expect(sent.every((n) => n.attempts === 1 && n.mode === 'sandbox')).toBe(true);
  });

  it('records a wrong DingTalk secret (310000) and an unknown WeCom key (93000) as failures, and never retries them', async () => {
    const alertId = (await staffAlertNotifications(db).findOne({ targetId: `${HD}/wecom-robot/duty` }))!.eventId;
    const wrong = await notice(`${alertId}@${HD}/dingtalk-robot/wrong-secret`);
    expect(wrong).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: '310000' } });
    expect(wrong!.lastError!.reason).toMatch(/加签|sign not match/);
    const badKey = await notice(`${alertId}@${HD}/wecom-robot/bad-key`);
    expect(badKey).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: '93000' } });
    clock.now = hoursAfter(clock.now, 2);
    // A target configured after the alert opened still hears of it while nobody has taken it up.
    await target(HD, { kind: 'wecom-robot', id: 'added-later', mode: 'sandbox' });
    await watch();
    expect(await notice(`${alertId}@${HD}/wecom-robot/added-later`)).toMatchObject({ state: 'sent' });
    expect(await notice(`${alertId}@${HD}/dingtalk-robot/wrong-secret`)).toMatchObject({ state: 'failed', attempts: 1 });
    // The duty group's notice went once; the only other is the late target's.
    expect(received('wecom-robot', HD, '舆情预警')).toHaveLength(2);
    expect(await notice(`${alertId}@${HD}/wecom-robot/duty`)).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('a rate-limited robot (45009) is tried again after the minute and then gets it; retries are bounded', async () => {
    const alertId = (await staffAlertNotifications(db).findOne({ targetId: `${HD}/wecom-robot/duty` }))!.eventId;
    await target(HD, { kind: 'wecom-robot', id: 'tight', mode: 'sandbox', secrets: { key: SECRETS[2] } });
    await target(HD, { kind: 'wecom-robot', id: 'never', mode: 'sandbox', secrets: { key: SECRETS[3] } });
    sandbox.robots.registerWecom({ key: SECRETS[2]!, perMinute: 0 });
    sandbox.robots.registerWecom({ key: SECRETS[3]!, perMinute: 0 });
    const start = clock.now;
    await watch();
    const tight = await notice(`${alertId}@${HD}/wecom-robot/tight`);
    expect(tight).toMatchObject({ state: 'retry', attempts: 1, lastError: { code: '45009' } });
    expect(tight!.nextAttemptAt.getTime() - start.getTime()).toBe(60_000);
    // Before its time: left alone.
    clock.now = new Date(start.getTime() + 30_000);
    await watch();
    expect(await notice(`${alertId}@${HD}/wecom-robot/tight`)).toMatchObject({ attempts: 1 });
    sandbox.robots.registerWecom({ key: SECRETS[2]!, perMinute: 20 });
    clock.now = new Date(start.getTime() + 61_000);
    await watch();
    expect(await notice(`${alertId}@${HD}/wecom-robot/tight`)).toMatchObject({ state: 'sent', attempts: 2 });
    // The robot that never has room: five attempts over the backoff, then failed for good.
    for (const wait of STAFF_ALERT_RETRY.backoffMs.slice(1)) {
      clock.now = new Date(clock.now.getTime() + wait + 1_000);
      await watch();
    }
    const never = await notice(`${alertId}@${HD}/wecom-robot/never`);
    expect(never).toMatchObject({ state: 'failed', attempts: STAFF_ALERT_RETRY.maxAttempts, lastError: { code: '45009' } });
    clock.now = hoursAfter(clock.now, 2);
    await watch();
    expect((await notice(`${alertId}@${HD}/wecom-robot/never`))!.attempts).toBe(STAFF_ALERT_RETRY.maxAttempts);
    // Once someone has dismissed it (or made it a task), it is no longer news to anyone.
    await dismissAlert(db, { alertId: alertId.replace(/^spike:/, ''), agencyCode: HD, by: 'test-press' }, clock.now);
    await target(HD, { kind: 'wecom-robot', id: 'after-dismissal', mode: 'sandbox' });
    await watch();
    expect(await notice(`${alertId}@${HD}/wecom-robot/after-dismissal`)).toBeNull();
  });
});

describe('deadlines and the watchdog', () => {
  it('tells the officers once when a quarter of a task’s clock is left, not before', async () => {
    await target(XC, { kind: 'wecom-robot', id: 'xc-duty', mode: 'sandbox' });
    const opened = cst('2026-11-21T09:00');
    const task = await openTask(db, { agencyCode: XC, level: 'major', owner: '王主任', by: 'test-press' }, opened);
    clock.now = hoursAfter(opened, 3.5); // 1.5 of 5 hours left
    await watch();
    expect(received('wecom-robot', XC, '时限提醒')).toHaveLength(0);
    clock.now = hoursAfter(opened, 4); // 1 hour left
    await Promise.all([watch(), watch()]);
    clock.now = hoursAfter(opened, 4.5);
    await watch();
    const due = received('wecom-robot', XC, '时限提醒');
    expect(due).toHaveLength(1);
    const content = (due[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('重大舆情回应任务即将到期');
    expect(content).toContain('应于 2026-11-21 14:00 前首次回应，剩余约 60 分钟');
    // Straight to the task's page in the console, where it is answered.
    expect(content).toContain(`/console/opinion/tasks/${encodeURIComponent(task._id)})`);
    expect(await notice(`task-due:${task._id}:response@${XC}/wecom-robot/xc-duty`)).toMatchObject({ state: 'sent', eventKind: 'task-due' });
  });

  it('passes on a watchdog finding (unanswered follower messages) once a day, as a count', async () => {
    await reactionCollection(db).insertOne(reaction(XC, hoursAfter(clock.now, -50), { source: 'wechat-oa', text: '请问我的申请什么时候有结果？手机13800001111' }));
    await watch();
    await watch();
    const found = received('wecom-robot', XC, '巡检提醒');
    expect(found).toHaveLength(1);
    const content = (found[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('1 条公众号留言超过 48 小时未答复');
    expect(content).not.toContain('13800001111');
  });

  it('a silent channel is one finding per silence', async () => {
    await watch(['weibo']);
    await watch(['weibo']);
    expect(received('wecom-robot', XC, '政务微博长期未更新')).toHaveLength(1);
  });

  it('no key, token or secret reaches a log, a notice record or the outbox', async () => {
    const everything = logText() + JSON.stringify(await staffAlertNotifications(db).find({}).toArray()) + JSON.stringify(sandbox.outbox.list());
    for (const secret of [...SECRETS, 'sandbox-wecom-robot-key', 'SECsandbox-dingtalk-robot-secret', 'sandbox-dingtalk-robot-token']) expect(everything).not.toContain(secret);
    const stored = JSON.stringify(await staffAlertTargets(db).find({}).toArray());
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
  });
});
