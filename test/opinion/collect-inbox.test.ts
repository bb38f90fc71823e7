import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { ObjectId } from 'mongodb';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../../api/middleware/errors.ts';
import { wechatOaRoutes } from '../../api/routes/wechat-oa.routes.ts';
import { createWeiboClient } from '../../channels/weibo/weibo-client.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { collectAllReactions } from '../../core/opinion/collect/collect-all.ts';
import { collectFeedback } from '../../core/opinion/collect/feedback.collector.ts';
import { collectOaInbox } from '../../core/opinion/collect/inbox.collector.ts';
import { leaveFeedback } from '../../core/residents/feedback.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { reactionsInbox } from '../../core/wechat-callback/store.ts';
import { OPINION_COLLECT_JOB } from '../../jobs/opinion-collect.job.ts';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { publishedAllocation } from '../helpers/registry.ts';
import { createServices } from '../../core/services.ts';

const TOKEN = 'collecttoken';
const APP_ID = 'wx-sandbox-oa';
const AGENCY = 'bj-haidian-zjw';
const clock = { now: new Date('2026-10-09T23:30:00+08:00') };
const now = () => clock.now;
const db = await connectTestDb('collect-inbox');
const { logger } = captureLogs('silent');

const koa = new Koa();
koa.silent = true;
koa.use(errorHandler());
koa.use(bodyParser({ enableTypes: ['json'] }));
koa.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger, now }).routes());
const app = koa.callback();

let nextMsgId = 7054768590064713728n;
/** A follower's text through the real callback, as WeChat would push it. */
async function say(openid: string, content: string, msgId = String(nextMsgId++)) {
  const xml = pushXml({ ToUserName: 'gh_gongkai', FromUserName: openid, CreateTime: Math.floor(clock.now.getTime() / 1000), MsgType: 'text', Content: content, MsgId: msgId });
  const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: clock.now });
  const res = await request(app).post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
  expect(res.status).toBe(200);
  return msgId;
}

const readModel = testReadModel();
const services = createServices(db, { readModel, now });

function publicDisclosure(agencyCode = AGENCY, numbers: string[] = ['HD2026-0100']) {
  return publishedAllocation(services, agencyCode, numbers);
}

beforeEach(async () => {
  await Promise.all(['reactions', 'reactions_inbox', 'feedback', 'disclosures', 'opinion_collect_cursors'].map((c) => db.collection(c).deleteMany({})));
  await readModel.reset();
});

describe('official-account texts', () => {
  it('arrive as reactions of the account’s agency once, with the disclosure an application number names, and leave the inbox', async () => {
    const named = await publicDisclosure(AGENCY, ['HD2026-0001']);
    await publicDisclosure('bj-chaoyang-zjw', ['CY2026-0009']);
    const m1 = await say('o-resident-1', '我的申请编号HD2026-0001怎么还没有结果？拖了三个月了');
    const m2 = await say('o-resident-2', '朝阳的CY2026-0009也没有结果');
    expect(await reactionsInbox(db).countDocuments()).toBe(2);

    expect(await collectOaInbox({ db, now, agencyCode: AGENCY, readModel })).toEqual({ inserted: 2, duplicates: 0 });
    const [first, second] = await reactionCollection(db).find().sort({ externalId: 1 }).toArray();
    expect(first).toMatchObject({ _id: `wechat-oa:${m1}`, source: 'wechat-oa', agencyCode: AGENCY, disclosureId: named, day: '2026-10-09', at: clock.now });
    expect(first!.author).toMatch(/^oa_[0-9a-f]{20}$/);
    // Another agency's application number does not attach its disclosure.
    expect(second).toMatchObject({ _id: `wechat-oa:${m2}` });
    expect(second!.disclosureId).toBeUndefined();
    expect(JSON.stringify([first, second])).not.toContain('o-resident');
    expect(await reactionsInbox(db).countDocuments()).toBe(0);

    expect(await collectOaInbox({ db, now, agencyCode: AGENCY, readModel })).toEqual({ inserted: 0, duplicates: 0 });
    expect(await reactionCollection(db).countDocuments()).toBe(2);
  });

  it('counts a text moved before a crash as a duplicate and still empties the inbox', async () => {
    const msgId = await say('o-resident-3', '公示期太短了');
    const [kept] = await reactionsInbox(db).find().toArray();
    await collectOaInbox({ db, now, agencyCode: AGENCY, readModel });
    // As if the previous run died after the insert and before the delete.
    await reactionsInbox(db).insertOne(kept!);
    expect(await collectOaInbox({ db, now, agencyCode: AGENCY, readModel })).toEqual({ inserted: 0, duplicates: 1 });
    expect(await reactionsInbox(db).countDocuments()).toBe(0);
    expect(await reactionCollection(db).countDocuments({ _id: `wechat-oa:${msgId}` })).toBe(1);
  });

  it('stays in the inbox while no agency owns the account', async () => {
    await say('o-resident-4', '希望公开更多信息');
    const result = await collectAllReactions({ db, now, logger });
    expect(result.wechatOa).toBeUndefined();
    expect(await reactionsInbox(db).countDocuments()).toBe(1);
    expect(await reactionCollection(db).countDocuments()).toBe(0);
  });
});

describe('mini-program feedback', () => {
  it('arrives once per comment with its disclosure and agency, under a pseudonym, without touching the feedback', async () => {
    const disclosureId = await publicDisclosure();
    const residents = [new ObjectId(), new ObjectId()];
    await leaveFeedback(db, residents[0]!, disclosureId, '摇号过程应当全程公开', clock.now);
    await leaveFeedback(db, residents[1]!, disclosureId, '感谢及时公示', new Date(clock.now.getTime() + 1000));
    const before = await db.collection('feedback').find().sort({ _id: 1 }).toArray();

    expect(await collectFeedback({ db, now, pseudonymKey: 'k' })).toEqual({ inserted: 2, duplicates: 0 });
    const stored = await reactionCollection(db).find({ source: 'miniprogram' }).sort({ at: 1 }).toArray();
    expect(stored.map((r) => r.text)).toEqual(['摇号过程应当全程公开', '感谢及时公示']);
    expect(stored[0]).toMatchObject({ agencyCode: AGENCY, disclosureId, externalId: before[0]!._id.toHexString() });
    expect(stored[0]!.author).toMatch(/^mp_[0-9a-f]{20}$/);
    expect(stored[0]!.author).not.toBe(stored[1]!.author);
    expect(JSON.stringify(stored)).not.toContain(residents[0]!.toHexString());
    expect(await db.collection('feedback').find().sort({ _id: 1 }).toArray()).toEqual(before);

    // Late midnight in China: the day is China's, not UTC's.
    clock.now = new Date('2026-10-10T00:20:00+08:00');
    await leaveFeedback(db, residents[0]!, disclosureId, '什么时候选房？', clock.now);
    expect(await collectFeedback({ db, now, pseudonymKey: 'k' })).toMatchObject({ inserted: 1 });
    expect(await reactionCollection(db).findOne({ text: '什么时候选房？' })).toMatchObject({ day: '2026-10-10' });
    expect(await collectFeedback({ db, now, pseudonymKey: 'k' })).toMatchObject({ inserted: 0 });
    expect(await reactionCollection(db).countDocuments()).toBe(3);
  });

  it('is still collected when Weibo cannot be reached in the same run', async () => {
    const disclosureId = await publicDisclosure();
    await leaveFeedback(db, new ObjectId(), disclosureId, '请公布房源清单', clock.now);
    await db.collection('deliveries').insertOne({
      _id: 'x|weibo|weibo' as never,
      messageKey: 'x',
      disclosureId,
      agencyCode: AGENCY,
      channel: 'weibo',
      recipientId: 'weibo',
      state: 'sent',
      attempts: 1,
      externalId: '5012345678901299',
      sentAt: clock.now,
      createdAt: clock.now,
      updatedAt: clock.now,
    });
    // Nothing listens on port 9 (discard): the Weibo step fails as a network error.
    const weibo = { client: createWeiboClient({ baseURL: 'http://127.0.0.1:9', timeoutMs: 2000 }), accessToken: 't', maxAgeDays: 30 };
    const result = await collectAllReactions({ db, now, logger, weibo });
    expect(result.weibo?.stopped).toBe('error');
    expect(result.miniprogram).toEqual({ inserted: 1, duplicates: 0 });
  });
});

describe('the opinion-collect job', () => {
  it('is scheduled on workers at the configured interval and moves the inbox when run', async () => {
    await say('o-resident-9', '请问第三批什么时候公示');
    const queue = await startQueue({ db, role: 'all', pollMs: 100, logger, opinion: { everyMinutes: 7, oaAgency: AGENCY } });
    try {
      const job = await db.collection('jobs').findOne({ name: OPINION_COLLECT_JOB });
      expect(job?.repeatInterval).toBe('7 minutes');
      await queue.agenda.now(OPINION_COLLECT_JOB);
      // The inbox is emptied only after the insert, so an empty inbox means the run is done.
      await waitFor(() => reactionsInbox(db).countDocuments(), (n) => n === 0);
      expect(await reactionCollection(db).countDocuments({ source: 'wechat-oa' })).toBe(1);
    } finally {
      await queue.stop(2_000);
    }
  });
});
