import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { Types } from 'mongoose';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../api/middleware/access-log.ts';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { wechatOaRoutes } from '../../api/routes/wechat-oa.routes.ts';
import { deliveryCollection, type DeliveryRecord } from '../../core/models/delivery.model.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { subscriptionCollection } from '../../core/models/subscription.model.ts';
import { createSubscription } from '../../core/subscriptions/subscriptions.ts';
import { applyPendingTemplateResults, pruneSeenPushes } from '../../core/wechat-callback/maintenance.ts';
import type { CallbackTaskRunner } from '../../core/wechat-callback/deferred.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { pendingTemplateResults, seenPushes } from '../../core/wechat-callback/store.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';

const TOKEN = 'eventstoken';
const APP_ID = 'wx-sandbox-oa';
const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
const now = () => clock.now;
const ts = () => Math.floor(clock.now.getTime() / 1000);

const db = await connectTestDb('wechat_oa_events');
const logs = captureLogs();
const koa = new Koa();
koa.silent = true;
koa.use(requestId());
koa.use(accessLog(logs.logger));
koa.use(errorHandler());
koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
let tasks: CallbackTaskRunner | undefined;
koa.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger: logs.logger, now, onTaskRunner: (runner) => void (tasks = runner) }).routes());
const app = koa.callback();

/** Sends a push and waits for what it left for after the reply (sweeps, job results) to be done. */
async function push(fields: Record<string, string | number>) {
  const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, pushXml({ ToUserName: 'gh_gongkai', CreateTime: ts(), ...fields }), { now: clock.now });
  const res = await request(app).post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
  await tasks!.idle();
  return res;
}
const event = (openid: string, name: string, extra: Record<string, string | number> = {}) =>
  push({ FromUserName: openid, MsgType: 'event', Event: name, ...extra });

describe('subscribe and unsubscribe events', () => {
  it('creates the follower on subscribe and replies with the welcome text', async () => {
    const res = await event('o-follower-1', 'subscribe', { EventKey: '' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Content><![CDATA[感谢关注！');
    expect(res.text).toContain('订阅 住房 110105');
    const follower = await subscriberCollection(db).findOne({ appId: APP_ID, openid: 'o-follower-1' });
    expect(follower).toMatchObject({ kind: 'oa-follower', status: 'active' });
  });

  it('processes a repeated event (same FromUserName + CreateTime + Event) once and answers the same', async () => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    const duplicates = () => logs.lines.filter((l) => l.includes('duplicate push ignored')).length;
    const first = await event('o-follower-2', 'subscribe');
    const again = await event('o-follower-2', 'subscribe');
    expect(again.status).toBe(200);
    expect(duplicates()).toBe(1);
    const content = (text: string) => /<Content>(.*)<\/Content>/s.exec(text)?.[1];
    expect(content(again.text)).toBe(content(first.text));
    expect(await subscriberCollection(db).countDocuments({ openid: 'o-follower-2' })).toBe(1);
    expect(await seenPushes(db).countDocuments({ _id: { $regex: `:${ts()}:subscribe$` } })).toBe(1);
  });

  it('marks the follower unfollowed on unsubscribe and deactivates their subscriptions', async () => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    await event('o-follower-3', 'subscribe');
    const follower = (await subscriberCollection(db).findOne({ openid: 'o-follower-3' }))!;
    await createSubscription(db, follower, 'wechat-oa', { field: 'housing' }, clock.now);
    await createSubscription(db, follower, 'wechat-oa', { applicationNumber: 'HD2026-0009' }, clock.now);

    clock.now = new Date(clock.now.getTime() + 60_000);
    const res = await event('o-follower-3', 'unsubscribe');
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    expect((await subscriberCollection(db).findOne({ _id: follower._id }))?.status).toBe('unfollowed');
    const subs = await subscriptionCollection(db).find({ subscriberId: follower._id }).toArray();
    expect(subs).toHaveLength(2);
    expect(subs.every((s) => s.active === false)).toBe(true);
  });

  it('answers success to events it does not handle', async () => {
    const res = await event('o-follower-1', 'VIEW', { EventKey: 'https://gongkai.test.gov.cn/' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
  });

  it('never logs openids', () => {
    expect(logs.text()).not.toMatch(/o-follower-\d/);
    expect(logs.text()).toContain('follower subscribed');
  });
});

describe('TEMPLATESENDJOBFINISH', () => {
  async function delivery(externalId: string, channel: DeliveryRecord['channel'] = 'wechat-oa') {
    const record: DeliveryRecord = {
      _id: `${new Types.ObjectId().toHexString()}:1|${channel}|${new Types.ObjectId().toHexString()}`,
      messageKey: 'd1:1',
      disclosureId: new Types.ObjectId().toHexString(),
      agencyCode: 'bj-hd-zjw',
      channel,
      recipientId: new Types.ObjectId().toHexString(),
      address: 'o-follower-1',
      state: 'sent',
      attempts: 1,
      externalId,
      sentAt: clock.now,
      createdAt: clock.now,
      updatedAt: clock.now,
    };
    await deliveryCollection(db).insertOne(record);
    return record._id;
  }
  const read = async (id: string) => (await deliveryCollection(db).findOne({ _id: id })) as (DeliveryRecord & { deliveryStatus?: string; deliveryStatusAt?: Date }) | null;

  it('sets deliveryStatus on the delivery found by MsgID and leaves its state at sent', async () => {
    const cases = [
      ['2847169305827581952', 'success', 'delivered'],
      ['2847169305827581953', 'failed:user block', 'user-blocked'],
      ['2847169305827581954', 'failed: system failed', 'system-failed'],
    ] as const;
    for (const [msgId, status, expected] of cases) {
      const id = await delivery(msgId);
      const res = await event('o-follower-1', 'TEMPLATESENDJOBFINISH', { MsgID: msgId, Status: status });
      expect(res.text).toBe('success');
      const record = await read(id);
      expect(record).toMatchObject({ state: 'sent', deliveryStatus: expected, externalId: msgId });
      expect(record?.deliveryStatusAt).toEqual(clock.now);
    }
  });

  it('does not touch another channel with the same id', async () => {
    const weibo = await delivery('2847169305827581960', 'weibo');
    await event('o-follower-1', 'TEMPLATESENDJOBFINISH', { MsgID: '2847169305827581960', Status: 'success' });
    expect((await read(weibo))?.deliveryStatus).toBeUndefined();
  });

  it('keeps a result that beat its msgid to the database and applies it later', async () => {
    const msgId = '2847169305827581970';
    await event('o-follower-1', 'TEMPLATESENDJOBFINISH', { MsgID: msgId, Status: 'success' });
    expect(await pendingTemplateResults(db).countDocuments({ _id: msgId })).toBe(1);
    const id = await delivery(msgId);
    expect(await applyPendingTemplateResults({ db, now })).toBe(1);
    expect((await read(id))?.deliveryStatus).toBe('delivered');
    expect(await pendingTemplateResults(db).countDocuments({ _id: msgId })).toBe(0);
  });

  it('prunes day-old dedupe keys', async () => {
    const before = await seenPushes(db).countDocuments();
    expect(before).toBeGreaterThan(0);
    expect(await pruneSeenPushes({ db, now: () => new Date(clock.now.getTime() + 25 * 3600_000) })).toBe(before);
    expect(await seenPushes(db).countDocuments()).toBe(0);
  });
});
