import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { SANDBOX_ROBOTS } from '../../channels/sandbox/robots/robot-state.ts';
import { createDingtalkRobot } from '../../channels/staff-alerts/dingtalk-robot.ts';
import { createOaStaffSender } from '../../channels/staff-alerts/oa-staff.ts';
import { StaffAlertError, type StaffAlertMessage, type StaffAlertSender } from '../../channels/staff-alerts/types.ts';
import { createWecomRobot } from '../../channels/staff-alerts/wecom-robot.ts';
import { SANDBOX_STAFF_ALERT_MAPPING, staffAlertMappingProblems } from '../../channels/wechat/staff-alert-mapping.ts';
import { connectTestDb } from '../helpers/db.ts';
import { client, newApp, OA_KEYS, tokenStore } from '../channels/wechat-helpers.ts';
import { afterAll } from 'vitest';

const db = await connectTestDb('staff-alert-senders');
// The robots' clock: DingTalk's one-hour window and the per-minute limits are judged by it.
const clock = { now: Date.parse('2026-11-20T02:00:00Z') };
const sandbox = await startSandbox({ robotsNow: () => clock.now });
afterAll(() => sandbox.close());

const message = (over: Partial<StaffAlertMessage> = {}): StaffAlertMessage => ({
  key: `spike:agency:bj-haidian-zjw:${Math.random()}@t`,
  event: '舆情预警',
  title: '本机关公众反应出现异常',
  agencyName: '北京市海淀区住房和城乡建设委员会',
  lines: ['近1小时负面占比 73%（22/30 条），基线 13%'],
  url: 'https://gongkai.test.gov.cn/press',
  at: new Date('2026-11-20T02:00:00Z'),
  ...over,
});

async function refusal(sender: StaffAlertSender, msg = message()): Promise<StaffAlertError> {
  const error = await sender.send(msg).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StaffAlertError);
  return error as StaffAlertError;
}

describe('WeCom group robot', () => {
  it('reaches the sandbox robot as markdown with the link, in Chinese', async () => {
    await createWecomRobot({ key: SANDBOX_ROBOTS.wecom.key, baseUrl: sandbox.url }).send(message());
    const [entry] = sandbox.outbox.list('wecom-robot').slice(-1);
    const body = entry!.body as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('【舆情预警】本机关公众反应出现异常');
    expect(body.markdown.content).toContain('[前往舆情工作台处理](https://gongkai.test.gov.cn/press)');
    expect(body.markdown.content).toContain('2026年11月20日 10:00');
    // The outbox keeps what was sent, never the key it was sent with.
    expect(JSON.stringify(entry)).not.toContain(SANDBOX_ROBOTS.wecom.key);
  });

  it('our text cannot turn into markup: markdown characters go as their full-width forms', async () => {
    await createWecomRobot({ key: SANDBOX_ROBOTS.wecom.key, baseUrl: sandbox.url }).send(message({ lines: ['责任人：**王** [点此](http://example.com/x)'] }));
    const content = (sandbox.outbox.list('wecom-robot').slice(-1)[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('> 责任人：＊＊王＊＊ ［点此］(http://example.com/x)');
    expect(content.match(/\]\(/g)).toHaveLength(1);
  });

  it('an unknown key is 93000 and not worth retrying; past 20 a minute is 45009, retried after the minute', async () => {
    const unknown = await refusal(createWecomRobot({ key: 'no-such-robot-key', baseUrl: sandbox.url }));
    expect([unknown.code, unknown.action]).toEqual(['93000', 'fail']);
    expect(unknown.message).not.toContain('no-such-robot-key');
    sandbox.robots.registerWecom({ key: 'busy-robot-key-1' });
    const busy = createWecomRobot({ key: 'busy-robot-key-1', baseUrl: sandbox.url });
    for (let i = 0; i < 20; i++) await busy.send(message());
    const limited = await refusal(busy);
    expect([limited.code, limited.action, limited.retryAfterMs]).toEqual(['45009', 'retry', 60_000]);
    clock.now += 61_000;
    await expect(busy.send(message())).resolves.toEqual({});
  });
});

describe('DingTalk custom robot', () => {
  const token = 'duty-group-token-1';
  const secret = 'SECduty-group-secret-0123456789';
  sandbox.robots.registerDingtalk({ accessToken: token, secret });

  it('signs each request (加签) and reaches the sandbox robot', async () => {
    await createDingtalkRobot({ accessToken: token, secret, baseUrl: sandbox.url, clock: () => clock.now }).send(message());
    const body = sandbox.outbox.list('dingtalk-robot').slice(-1)[0]!.body as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('舆情预警：本机关公众反应出现异常');
    expect(body.markdown.text).toContain('近1小时负面占比 73%');
  });

  it('a wrong secret, a timestamp outside the hour or a missing keyword is 310000, not retried', async () => {
    const wrong = await refusal(createDingtalkRobot({ accessToken: token, secret: 'SECnot-the-robots-secret', baseUrl: sandbox.url, clock: () => clock.now }));
    expect([wrong.code, wrong.action]).toEqual(['310000', 'fail']);
    expect(wrong.message).toMatch(/sign not match/);
    const late = await refusal(createDingtalkRobot({ accessToken: token, secret, baseUrl: sandbox.url, clock: () => clock.now - 3_601_000 }));
    expect([late.code, late.message.includes('invalid timestamp')]).toEqual(['310000', true]);
    // Within the hour is fine.
    await createDingtalkRobot({ accessToken: token, secret, baseUrl: sandbox.url, clock: () => clock.now - 3_500_000 }).send(message());

    sandbox.robots.registerDingtalk({ accessToken: 'keyword-robot-token', keywords: ['值班'] });
    const withoutKeyword = await refusal(createDingtalkRobot({ accessToken: 'keyword-robot-token', baseUrl: sandbox.url }));
    expect([withoutKeyword.code, withoutKeyword.message.includes('keywords not in content')]).toEqual(['310000', true]);
    await createDingtalkRobot({ accessToken: 'keyword-robot-token', keywords: ['值班'], baseUrl: sandbox.url }).send(message());
    expect((sandbox.outbox.list('dingtalk-robot').slice(-1)[0]!.body as { markdown: { title: string } }).markdown.title).toBe('值班：舆情预警：本机关公众反应出现异常');

    const unknown = await refusal(createDingtalkRobot({ accessToken: 'no-such-token-1', baseUrl: sandbox.url }));
    expect([unknown.code, unknown.action]).toEqual(['300005', 'fail']);
  });

  it('past 20 a minute is 130101: retried after DingTalk’s 10-minute throttle', async () => {
    sandbox.robots.registerDingtalk({ accessToken: 'busy-ding-token', secret });
    const busy = createDingtalkRobot({ accessToken: 'busy-ding-token', secret, baseUrl: sandbox.url, clock: () => clock.now });
    for (let i = 0; i < 20; i++) await busy.send(message());
    const limited = await refusal(busy);
    expect([limited.code, limited.action, limited.retryAfterMs]).toEqual(['130101', 'retry', 600_000]);
    clock.now += 120_000;
    // The minute is over but the robot is still throttled.
    expect((await refusal(busy)).code).toBe('130101');
    clock.now += 600_000;
    await expect(busy.send(message())).resolves.toEqual({});
  });
});

describe('official-account template to one officer', () => {
  it('reaches the OA sandbox through the staff-alert mapping, and a non-follower fails without retry', async () => {
    const app = newApp(sandbox, 'oa', OA_KEYS);
    sandbox.wechat.addFollower(app.appid, 'o-press-officer-1');
    const sender = createOaStaffSender({ client: client(sandbox, app, tokenStore(db)), templateId: app.templateId, mapping: SANDBOX_STAFF_ALERT_MAPPING, openid: 'o-press-officer-1' });
    const sent = await sender.send(message());
    expect(sent.externalId).toMatch(/^\d+$/);
    const entry = sandbox.outbox.list('wechat-oa').slice(-1)[0]!;
    expect(entry.body).toMatchObject({
      touser: 'o-press-officer-1',
      template_id: app.templateId,
      url: 'https://gongkai.test.gov.cn/press',
      data: { thing1: { value: '【舆情预警】本机关公众反应出现异常' }, thing2: { value: '北京市海淀区住房和城乡建设委员会' }, time4: { value: '2026年11月20日 10:00' } },
    });
    const stranger = createOaStaffSender({ client: client(sandbox, app, tokenStore(db)), templateId: app.templateId, mapping: SANDBOX_STAFF_ALERT_MAPPING, openid: 'o-not-following' });
    const refused = await refusal(stranger);
    expect(refused.action).toBe('fail');
  });

  it('checks a mapping against the keyword rules, naming each bad key', () => {
    expect(staffAlertMappingProblems({ thing1: 'title', time2: 'time', phrase3: 'event' })).toEqual([]);
    expect(staffAlertMappingProblems({ time2: 'title', amount3: 'time', thing4: 'body' })).toEqual([
      'time2: a time key cannot hold title (it takes time)',
      'amount3: gongkai cannot fill a amount key',
      'thing4: unknown part "body" (one of event, title, agency, detail, time)',
    ]);
  });
});
