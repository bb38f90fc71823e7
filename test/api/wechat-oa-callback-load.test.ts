import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { Types } from 'mongoose';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { wechatOaRoutes } from '../../api/routes/wechat-oa.routes.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { newSubscription, subscriptionCollection } from '../../core/models/subscription.model.ts';
import { backfillSubscriberKeys, BACKFILL_MARKER, subscriberKeyId, subscriberKeys } from '../../core/subscriptions/subscriber-keys.ts';
import { callbackTasks, runLeftoverTasks, type CallbackTaskRunner } from '../../core/wechat-callback/deferred.ts';
import { handlePush } from '../../core/wechat-callback/handle-push.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { LIST_BUSY, UNSUBSCRIBE_ACCEPTED } from '../../core/wechat-callback/replies.ts';
import { pseudonymiser, seenPushes } from '../../core/wechat-callback/store.ts';
import { parsePushXml } from '../../core/wechat-callback/xml.ts';
import { SUBSCRIBER_KEYS_BACKFILL_JOB } from '../../jobs/callback.job.ts';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';

const TOKEN = 'loadtoken';
const APP_ID = 'wx-sandbox-oa';
const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
const now = () => clock.now;
const ts = () => Math.floor(clock.now.getTime() / 1000);

const db = await connectTestDb('wechat_oa_load');
const logs = captureLogs();

/** The callback as createApp mounts it; `inlinePushes` 0 acknowledges every push that needs the database. */
function callback(inlinePushes?: number) {
  const koa = new Koa();
  koa.silent = true;
  koa.use(requestId());
  koa.use(errorHandler());
  koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
  let tasks: CallbackTaskRunner | undefined;
  const onTaskRunner = (runner: CallbackTaskRunner) => void (tasks = runner);
  koa.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger: logs.logger, now, onTaskRunner, ...(inlinePushes !== undefined ? { inlinePushes } : {}) }).routes());
  const app = koa.callback();
  return {
    /** Posts a signed push as WeChat does and returns the reply's Content ('success' for none). */
    async send(fields: Record<string, string | number>): Promise<string> {
      const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, pushXml({ ToUserName: 'gh_gongkai', CreateTime: ts(), ...fields }), { now: clock.now });
      const res = await request(app).post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
      expect(res.status).toBe(200);
      return res.text === 'success' ? 'success' : (/<Content><!\[CDATA\[(.*)\]\]><\/Content>/s.exec(res.text)?.[1] ?? res.text);
    },
    /** Waits for what the pushes left for after their replies. */
    settle: () => tasks!.idle(),
  };
}

let nextMsgId = 7154768590064713728n;
const text = (openid: string, content: string, msgId = String(nextMsgId++)) => ({ FromUserName: openid, MsgType: 'text', Content: content, MsgId: msgId });
const follow = (openid: string, scene?: string) => ({ FromUserName: openid, MsgType: 'event', Event: 'subscribe', EventKey: scene ? `qrscene_${scene}` : '' });
const unfollowEvent = (openid: string) => ({ FromUserName: openid, MsgType: 'event', Event: 'unsubscribe', EventKey: '' });

const subscriberOf = (openid: string) => subscriberCollection(db).findOne({ appId: APP_ID, openid });
async function subscriptionsOf(openid: string) {
  const subscriber = await subscriberOf(openid);
  return subscriber ? subscriptionCollection(db).find({ subscriberId: subscriber._id }).toArray() : [];
}
const active = async (openid: string) => (await subscriptionsOf(openid)).filter((s) => s.active);

/** Followers stored the way earlier versions stored them: no key. */
async function legacyFollower(openid: string, filters: { field?: string; region?: string }) {
  const at = new Date(clock.now.getTime() - 86_400_000);
  const _id = new Types.ObjectId();
  await subscriberCollection(db).insertOne({ _id, appId: APP_ID, openid, kind: 'oa-follower', status: 'active', createdAt: at, updatedAt: at });
  await subscriptionCollection(db).insertOne(newSubscription({ subscriberId: _id, channel: 'wechat-oa', address: openid, appId: APP_ID }, filters, at));
  return _id;
}

describe('followers stored before subscriber keys', () => {
  it('are found by the fallback before the backfill, and by key after it', async () => {
    const before = await legacyFollower('o-legacy-1', { field: 'housing', region: '1101' });
    const oa = callback();
    // Before the backfill the lookup falls back to a scan and writes the key with the follower's subscriptions.
    expect(await oa.send(text('o-legacy-1', '我的订阅'))).toMatch(/共 1 项[\s\S]*住房保障[\s\S]*110100/);
    expect(await subscriberKeys(db).findOne({ _id: subscriberKeyId(APP_ID, 'o-legacy-1') })).toMatchObject({ subscriberId: before });

    const after = await legacyFollower('o-legacy-2', { field: 'land' });
    expect(await backfillSubscriberKeys(db)).toBeGreaterThanOrEqual(1);
    expect(await subscriberKeys(db).findOne({ _id: BACKFILL_MARKER })).not.toBeNull();
    expect(await backfillSubscriberKeys(db)).toBe(0);
    const key = await subscriberKeys(db).findOne({ _id: subscriberKeyId(APP_ID, 'o-legacy-2') });
    expect(key?.subscriberId).toEqual(after);
    expect(key?.oaSubscriptionIds).toHaveLength(1);
    // The same subscription again is recognised, a new one is added to the old one.
    expect(await oa.send(text('o-legacy-2', '订阅 土地'))).toContain('您已订阅过');
    expect(await oa.send(text('o-legacy-2', '订阅 住房 110105'))).toContain('订阅成功');
    expect(await oa.send(text('o-legacy-2', '我的订阅'))).toContain('共 2 项');
    expect(await oa.send(text('o-legacy-2', '退订'))).toContain('已退订全部 2 项订阅');
    await oa.settle();
    expect(await subscriptionsOf('o-legacy-2')).toHaveLength(0);
    expect(await subscriberCollection(db).countDocuments({ openid: 'o-legacy-2' })).toBe(1);
  });
});

describe('the backfill job', () => {
  it('runs once when a worker with the callback jobs starts, and leaves no job behind', async () => {
    const own = await connectTestDb('wechat_oa_backfill_job');
    const _id = new Types.ObjectId();
    await subscriberCollection(own).insertOne({ _id, appId: APP_ID, openid: 'o-job-legacy', kind: 'oa-follower', status: 'active', createdAt: clock.now, updatedAt: clock.now });
    const queue = await startQueue({ db: own, role: 'worker', pollMs: 200, logger: logs.logger, groups: ['callbacks'] });
    try {
      await waitFor(() => subscriberKeys(own).findOne({ _id: BACKFILL_MARKER }), Boolean);
      expect(await subscriberKeys(own).findOne({ _id: subscriberKeyId(APP_ID, 'o-job-legacy') })).toMatchObject({ subscriberId: _id });
      await waitFor(() => own.collection('jobs').countDocuments({ name: SUBSCRIBER_KEYS_BACKFILL_JOB }), (n) => n === 0);
    } finally {
      await queue.stop(1000);
    }
  });
});

describe('work left for after the reply', () => {
  it('退订 deletes what the list missed too, and spares what was subscribed after it', async () => {
    const oa = callback();
    expect(await oa.send(follow('o-sweep-1'))).toContain('感谢关注');
    expect(await oa.send(text('o-sweep-1', '订阅 住房'))).toContain('订阅成功');
    // Made outside the callback (as the mini-program's API does): not on the follower's list.
    const subscriber = (await subscriberOf('o-sweep-1'))!;
    await subscriptionCollection(db).insertOne(newSubscription({ subscriberId: subscriber._id, channel: 'wechat-oa', address: 'o-sweep-1', appId: APP_ID }, { field: 'land' }, clock.now));
    expect(await oa.send(text('o-sweep-1', '退订'))).toContain('已退订全部 1 项订阅');
    expect(await oa.send(text('o-sweep-1', '订阅 采购 110108'))).toContain('订阅成功');
    await oa.settle();
    const left = await subscriptionsOf('o-sweep-1');
    expect(left.map((s) => [s.field, s.region])).toEqual([['procurement', '110108']]);
    expect(await callbackTasks(db).countDocuments({})).toBe(0);
  });

  it('following again after leaving brings the QR code subscription back, once', async () => {
    const oa = callback();
    expect(await oa.send(follow('o-back-1', 'sub1_housing_110108'))).toContain('订阅成功');
    clock.now = new Date(clock.now.getTime() + 60_000);
    expect(await oa.send(unfollowEvent('o-back-1'))).toBe('success');
    await oa.settle();
    expect(await active('o-back-1')).toHaveLength(0);
    expect((await subscriberOf('o-back-1'))?.status).toBe('unfollowed');
    clock.now = new Date(clock.now.getTime() + 60_000);
    expect(await oa.send(follow('o-back-1', 'sub1_housing_110108'))).toContain('订阅成功');
    await oa.settle();
    expect((await subscriberOf('o-back-1'))?.status).toBe('active');
    const subs = await subscriptionsOf('o-back-1');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ active: true, field: 'housing', region: '110108' });
  });
});

describe('many pushes at once', () => {
  // The default, and every push handled before its reply (the replies then all state what was done).
  it.each([
    ['some handled before their reply, the others acknowledged', undefined, 'd'],
    ['all handled before their reply', 1000, 'h'],
  ])('answers every push with its own correct reply (%s), and the state is right once the tasks have run', async (_, inline, run) => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    const oa = callback(inline);
    const acknowledgedOk = inline === undefined;
    // Twenty followers with one subscription each, before the burst.
    for (let i = 0; i < 20; i++) expect(await oa.send(text(`o-many-${run}-${i}`, '订阅 住房 110105'))).toContain('订阅成功');
    await oa.settle();
    const pushes = [
      ...Array.from({ length: 30 }, (_, i) => ({ kind: 'follow', fields: follow(`o-many-${run}-new-${i}`) })),
      ...Array.from({ length: 20 }, (_, i) => ({ kind: 'follow-qr', fields: follow(`o-many-${run}-qr-${i}`, 'sub1_land_110108') })),
      ...Array.from({ length: 10 }, (_, i) => ({ kind: 'subscribe', fields: text(`o-many-${run}-${i}`, '订阅 采购 110108') })),
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'cancel', fields: text(`o-many-${run}-${10 + i}`, '退订') })),
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'leave', fields: unfollowEvent(`o-many-${run}-${15 + i}`) })),
    ];
    const replies = await Promise.all(pushes.map((p) => oa.send(p.fields)));
    const accepted = /^已收到您的订阅：.*。正在登记，稍后发送「我的订阅」即可查看。$/s;
    const or = (done: string, acknowledged: string) => new RegExp(acknowledgedOk ? `${done}|${acknowledged}` : done, 's');
    const expected: Record<string, RegExp> = {
      follow: /^感谢关注！/,
      'follow-qr': or('^订阅成功：领域：国有土地使用权出让；地区：110108', accepted.source),
      subscribe: or('^订阅成功：领域：政府采购', accepted.source),
      cancel: or('^已退订全部 1 项订阅', `^${UNSUBSCRIBE_ACCEPTED}$`),
      leave: /^success$/,
    };
    pushes.forEach((p, i) => expect(replies[i], `${p.kind} ${i}`).toMatch(expected[p.kind]!));
    await oa.settle();

    for (let i = 0; i < 30; i++) expect((await subscriberOf(`o-many-${run}-new-${i}`))?.status).toBe('active');
    for (let i = 0; i < 20; i++) expect((await active(`o-many-${run}-qr-${i}`)).map((s) => s.field)).toEqual(['land']);
    for (let i = 0; i < 10; i++) expect((await active(`o-many-${run}-${i}`)).map((s) => s.field).sort()).toEqual(['housing', 'procurement']);
    for (let i = 10; i < 15; i++) expect(await subscriptionsOf(`o-many-${run}-${i}`)).toHaveLength(0);
    for (let i = 15; i < 20; i++) {
      expect((await subscriberOf(`o-many-${run}-${i}`))?.status).toBe('unfollowed');
      expect(await active(`o-many-${run}-${i}`)).toHaveLength(0);
    }
    expect(await seenPushes(db).countDocuments({ pending: { $exists: true } })).toBe(0);
  });

  it('acknowledges without promising when it cannot handle a push before answering, and then does it', async () => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    const oa = callback(0);
    expect(await oa.send(follow('o-ack-1', 'sub1_housing_110105'))).toBe('已收到您的订阅：领域：住房保障；地区：110105（含下辖区县）。正在登记，稍后发送「我的订阅」即可查看。');
    expect(await oa.send(text('o-ack-2', '订阅 申请 HD2026-0042'))).toContain('已收到您的订阅：申请编号：HD2026-0042');
    expect(await oa.send(text('o-ack-1', '我的订阅'))).toBe(LIST_BUSY);
    // Only what handling reads is stored with the push: a tag no stored key may be (`.`) is left out.
    expect(await oa.send({ ...text('o-ack-3', '订阅 土地'), 'Ext.Info': 'x' })).toContain('已收到您的订阅：领域：国有土地使用权出让');
    await oa.settle();
    expect((await active('o-ack-3')).map((s) => s.field)).toEqual(['land']);
    expect((await active('o-ack-1')).map((s) => [s.field, s.region])).toEqual([['housing', '110105']]);
    expect((await active('o-ack-2')).map((s) => s.applicationNumber)).toEqual(['HD2026-0042']);
    // Once the burst is over, the same follower's question is answered from the stored state.
    expect(await callback().send(text('o-ack-1', '我的订阅'))).toMatch(/共 1 项[\s\S]*住房保障/);

    expect(await oa.send(text('o-ack-1', '退订'))).toBe(UNSUBSCRIBE_ACCEPTED);
    await oa.settle();
    expect(await subscriptionsOf('o-ack-1')).toHaveLength(0);
    expect(await seenPushes(db).countDocuments({ pending: { $exists: true } })).toBe(0);
  });
});

describe("WeChat's retries", () => {
  it('a push delivered three times at once is handled once and answered the same each time', async () => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    for (const inline of [undefined, 0]) {
      const oa = callback(inline);
      const openid = `o-retry-${inline ?? 'inline'}`;
      const push = text(openid, '订阅 住房 110108');
      const replies = await Promise.all([oa.send(push), oa.send(push), oa.send(push)]);
      expect(new Set(replies).size, replies.join(' | ')).toBe(1);
      await oa.settle();
      expect(await oa.send(push)).toBe(replies[0]);
      await oa.settle();
      expect(await active(openid)).toHaveLength(1);
      expect(await subscriberCollection(db).countDocuments({ openid })).toBe(1);
    }
  });

  it('two different pushes asking for the same subscription at once make one subscription', async () => {
    const oa = callback();
    const replies = await Promise.all([oa.send(text('o-twice-1', '订阅 土地 110101')), oa.send(text('o-twice-1', '订阅 土地 110101'))]);
    expect(replies.filter((r) => r.startsWith('订阅成功'))).toHaveLength(1);
    expect(replies.filter((r) => r.startsWith('您已订阅过'))).toHaveLength(1);
    expect(await active('o-twice-1')).toHaveLength(1);
  });

  it('a push acknowledged by a process that stopped before handling it is handled by the maintenance job', async () => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    const pseudonym = pseudonymiser('load-test');
    const push = parsePushXml(pushXml({ ToUserName: 'gh_gongkai', FromUserName: 'o-orphan-1', CreateTime: ts(), MsgType: 'text', Content: '订阅 黑名单', MsgId: String(nextMsgId++) }));
    // The process answers and stops: nothing runs the stored push.
    const reply = await handlePush(
      { db, appId: APP_ID, now, pseudonym, logger: logs.logger, defer: () => Promise.reject(new Error('not used')), runStored: () => undefined, admit: () => undefined },
      push,
    );
    expect(reply).toContain('已收到您的订阅：领域：黑名单');
    expect(await subscriberOf('o-orphan-1')).toBeNull();
    // Not yet: the process may still be working on it.
    expect(await runLeftoverTasks({ db, now, logger: logs.logger })).toBe(0);
    const later = () => new Date(clock.now.getTime() + 3 * 60_000);
    expect(await runLeftoverTasks({ db, now: later, logger: logs.logger })).toBe(1);
    expect((await active('o-orphan-1')).map((s) => s.field)).toEqual(['blacklist']);
    expect(await runLeftoverTasks({ db, now: later, logger: logs.logger })).toBe(0);
  });

  it('never logs openids', () => {
    expect(logs.text()).not.toMatch(/o-(many|ack|retry|orphan|sweep|back|legacy|twice)-/);
  });
});
