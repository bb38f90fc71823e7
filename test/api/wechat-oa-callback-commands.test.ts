import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { wechatOaRoutes } from '../../api/routes/wechat-oa.routes.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { subscriptionCollection } from '../../core/models/subscription.model.ts';
import { parseCommand } from '../../core/wechat-callback/commands.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { reactionsInbox } from '../../core/wechat-callback/store.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';

const TOKEN = 'commandstoken';
const APP_ID = 'wx-sandbox-oa';
const NOW = new Date('2026-10-09T10:00:00+08:00');

const db = await connectTestDb('wechat_oa_commands');
const logs = captureLogs();
const koa = new Koa();
koa.silent = true;
koa.use(requestId());
koa.use(errorHandler());
koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
koa.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger: logs.logger, now: () => NOW }).routes());
const app = koa.callback();

let nextMsgId = 7054768590064713728n;
/** Sends a text message and returns the reply's Content. */
async function say(openid: string, content: string, msgId = String(nextMsgId++)) {
  const xml = pushXml({ ToUserName: 'gh_gongkai', FromUserName: openid, CreateTime: NOW.getTime() / 1000, MsgType: 'text', Content: content, MsgId: msgId });
  const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: NOW });
  const res = await request(app).post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^<xml><ToUserName><!\[CDATA\[.*\]\]><\/ToUserName><FromUserName><!\[CDATA\[gh_gongkai\]\]><\/FromUserName><CreateTime>\d+<\/CreateTime><MsgType><!\[CDATA\[text\]\]><\/MsgType><Content>/s);
  return /<Content><!\[CDATA\[(.*)\]\]><\/Content>/s.exec(res.text)?.[1] ?? '';
}
const subscriptionsOf = async (openid: string) => {
  const subscriber = await subscriberCollection(db).findOne({ appId: APP_ID, openid });
  return subscriber ? subscriptionCollection(db).find({ subscriberId: subscriber._id, active: true }).toArray() : [];
};

describe('订阅', () => {
  it('订阅 住房 110105 subscribes to housing in that district', async () => {
    const reply = await say('o-resident-1', '订阅 住房 110105');
    expect(reply).toContain('订阅成功');
    expect(reply).toContain('住房保障');
    expect(reply).toContain('110105');
    const [sub, ...rest] = await subscriptionsOf('o-resident-1');
    expect(rest).toHaveLength(0);
    expect(sub).toMatchObject({ channel: 'wechat-oa', field: 'housing', region: '110105', applicationNumber: '*', address: 'o-resident-1', appId: APP_ID, active: true });
    expect((await subscriberCollection(db).findOne({ openid: 'o-resident-1' }))?.kind).toBe('oa-follower');
  });

  it('says so when the same subscription is asked for again', async () => {
    expect(await say('o-resident-1', '订阅　住房保障　１１０１０５')).toContain('您已订阅过');
    expect(await subscriptionsOf('o-resident-1')).toHaveLength(1);
  });

  it('订阅 申请 HD2026-0001 follows an application', async () => {
    const reply = await say('o-resident-1', '订阅 申请 HD2026-0001');
    expect(reply).toContain('申请编号：HD2026-0001');
    const subs = await subscriptionsOf('o-resident-1');
    expect(subs.find((s) => s.applicationNumber === 'HD2026-0001')).toMatchObject({ field: '*', region: '*' });
    await say('o-resident-1', '订阅 申请编号 HD2026-0002');
    expect((await subscriptionsOf('o-resident-1')).map((s) => s.applicationNumber)).toContain('HD2026-0002');
  });

  it('explains the syntax for an unreadable 订阅 and subscribes to nothing', async () => {
    expect(await say('o-resident-2', '订阅')).toContain('订阅的写法');
    expect(await say('o-resident-2', '订阅 天气 110105')).toContain('未能识别「天气」');
    expect(await say('o-resident-2', '订阅 住房 1101')).toContain('6位数字');
    expect(await say('o-resident-2', '订阅 申请')).toContain('申请编号');
    expect(await subscriptionsOf('o-resident-2')).toHaveLength(0);
    expect(await reactionsInbox(db).countDocuments({ text: { $regex: '^订阅' } })).toBe(0);
  });
});

describe('我的订阅 and 退订', () => {
  it('我的订阅 lists the subscriptions', async () => {
    const reply = await say('o-resident-1', '我的订阅');
    expect(reply).toContain('您的订阅（共 3 项）');
    expect(reply).toContain('1. 领域：住房保障；地区：110105（含下辖区县）');
    expect(reply).toContain('申请编号：HD2026-0001');
    expect(await say('o-resident-3', '我的订阅')).toContain('您当前没有订阅');
  });

  it('退订 deletes all of them', async () => {
    expect(await say('o-resident-1', '退订')).toContain('已退订全部 3 项订阅');
    const subscriber = await subscriberCollection(db).findOne({ openid: 'o-resident-1' });
    expect(await subscriptionCollection(db).countDocuments({ subscriberId: subscriber!._id })).toBe(0);
    expect(await say('o-resident-1', '退订')).toContain('您当前没有订阅');
  });
});

describe('other messages', () => {
  it('answers help to unknown text and keeps it, pseudonymised, in reactions_inbox once', async () => {
    const msgId = '7054768590064799999';
    const reply = await say('o-resident-4', '小区公示的分配结果什么时候更新？', msgId);
    expect(reply).toContain('已收到您的留言');
    expect(reply).toContain('订阅 住房 110105');
    // WeChat's retry of the same push: same answer, stored once.
    expect(await say('o-resident-4', '小区公示的分配结果什么时候更新？', msgId)).toBe(reply);
    const stored = await reactionsInbox(db).find({ _id: `wechat-oa:${msgId}` }).toArray();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ source: 'wechat-oa', text: '小区公示的分配结果什么时候更新？', receivedAt: NOW });
    expect(stored[0]!.openid).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(stored)).not.toContain('o-resident-4');
    expect(logs.lines.join('\n')).not.toMatch(/o-resident-\d|分配结果什么时候/);
  });

  it('escapes ]]> in the reply CDATA', async () => {
    const content = await say('o-resident-2', '订阅 a]]>b');
    expect(content).toContain('未能识别「a]]]]><![CDATA[>b」');
  });

  it('answers help to non-text messages without storing them', async () => {
    const before = await reactionsInbox(db).countDocuments();
    const xml = pushXml({ ToUserName: 'gh_gongkai', FromUserName: 'o-resident-5', CreateTime: NOW.getTime() / 1000, MsgType: 'image', PicUrl: 'http://x/1.jpg', MsgId: '7054768590064788888' });
    const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: NOW });
    const res = await request(app).post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
    expect(res.text).toContain('可发送以下指令');
    expect(await reactionsInbox(db).countDocuments()).toBe(before);
  });
});

describe('parseCommand', () => {
  it.each([
    ['订阅 住房 110105', { kind: 'subscribe', input: { field: 'housing', region: '110105' } }],
    ['订阅住房110105', { kind: 'subscribe', input: { field: 'housing', region: '110105' } }],
    ['订阅 110105', { kind: 'subscribe', input: { region: '110105' } }],
    ['订阅 政府采购', { kind: 'subscribe', input: { field: 'procurement' } }],
    ['订阅 国有产权', { kind: 'subscribe', input: { field: 'state-assets' } }],
    ['订阅 招投标 黑名单', { kind: 'subscribe-usage', problem: '一条订阅只能选一个领域，请分开发送' }],
    ['订阅 申请：HD2026-0001', { kind: 'subscribe', input: { applicationNumber: 'HD2026-0001' } }],
    ['订阅号怎么用', { kind: 'other' }],
    ['我的订阅', { kind: 'list' }],
    [' 退订 ', { kind: 'unsubscribe' }],
    ['你好', { kind: 'other' }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });
});
