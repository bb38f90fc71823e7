import { ObjectId } from 'mongodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createWeiboChannel } from '../../channels/weibo/weibo.channel.ts';
import { collectWeibo, type WeiboCollectDeps } from '../../core/opinion/collect/weibo.collector.ts';
import { deliveryCollection, deliveryId } from '../../core/models/delivery.model.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { publishedAllocation } from '../helpers/registry.ts';
import { createServices } from '../../core/services.ts';
import { sampleMessage, SERVER_IP, testClock, weiboSandbox } from '../channels/weibo-helpers.ts';

const TOKEN = 'sandbox-weibo-token';
const AGENCY = 'bj-haidian-zjw';
const clock = testClock('2026-10-09T10:05:00+08:00');
const db = await connectTestDb('collect-weibo');
const { sandbox, client } = await weiboSandbox({ weibo: { now: () => clock.now }, client: { now: () => clock.now } });
afterAll(() => sandbox.close());
const { logger } = captureLogs('silent');

const readModel = testReadModel();
const services = createServices(db, { readModel, now: () => clock.now });

const deps = (extra: Partial<WeiboCollectDeps> = {}): WeiboCollectDeps => ({
  db,
  readModel,
  client,
  accessToken: TOKEN,
  now: () => clock.now,
  logger,
  pseudonymKey: 'test-key',
  maxAgeDays: 30,
  ...extra,
});

/** Posts a disclosure to the sandbox through the real channel and records the delivery as the fan-out would. */
async function posted(title: string, sentAt = clock.now) {
  const disclosureId = new ObjectId().toHexString();
  const { externalId } = await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage({ disclosureId, title }));
  const messageKey = `${disclosureId}:1`;
  await deliveryCollection(db).insertOne({
    _id: deliveryId(messageKey, 'weibo', 'weibo'),
    messageKey,
    disclosureId,
    agencyCode: AGENCY,
    channel: 'weibo',
    recipientId: 'weibo',
    state: 'sent',
    attempts: 1,
    externalId: externalId!,
    sentAt,
    createdAt: sentAt,
    updatedAt: sentAt,
  });
  return { statusId: externalId!, disclosureId };
}

const stored = (filter: Record<string, unknown> = {}) => reactionCollection(db).find(filter).sort({ externalId: 1 }).toArray();

beforeEach(async () => {
  sandbox.weibo.reset();
  await Promise.all(['reactions', 'deliveries', 'opinion_collect_cursors', 'opinion_collect_backoff', 'disclosures'].map((c) => db.collection(c).deleteMany({})));
  await readModel.reset();
});

describe('Weibo reaction collection', () => {
  it('collects comments and reposts incrementally: the second run stores only what is new, nothing twice', async () => {
    const { statusId, disclosureId } = await posted('海淀区公租房配租结果公示');
    const c1 = sandbox.weibo.addComment(statusId, { text: '暗箱操作，结果不公开透明', user: { id: '6000000001' } });
    const r1 = sandbox.weibo.addRepost(statusId, { text: '转发微博', user: { id: '6000000002' } });

    expect(await collectWeibo(deps())).toMatchObject({ polled: 1, inserted: 2, duplicates: 0 });
    const first = await stored();
    expect(first.map((r) => r._id).sort()).toEqual([`weibo-comment:${c1}`, `weibo-repost:${r1}`].sort());
    const comment = first.find((r) => r.source === 'weibo-comment')!;
    expect(comment).toMatchObject({ agencyCode: AGENCY, disclosureId, statusId, day: '2026-10-09', text: '暗箱操作，结果不公开透明' });
    expect(comment.sentiment.label).toBe('neg');
    expect(comment.sentiment.reasons.length).toBeGreaterThan(0);
    // The commenter is a keyed pseudonym, never the uid.
    expect(comment.author).toMatch(/^wb_[0-9a-f]{20}$/);
    expect(JSON.stringify(first)).not.toContain('6000000001');

    const c2 = sandbox.weibo.addComment(statusId, { text: '支持，点赞', user: { id: '6000000003' } });
    expect(await collectWeibo(deps())).toMatchObject({ inserted: 1, duplicates: 0 });
    expect((await stored()).map((r) => r.externalId)).toContain(c2);

    expect(await collectWeibo(deps())).toMatchObject({ inserted: 0, duplicates: 0 });
    expect(await reactionCollection(db).countDocuments()).toBe(3);
  });

  it('re-fetches rather than skips when the cursor was not saved, and the insert dedupes', async () => {
    const { statusId } = await posted('朝阳区共有产权房摇号结果');
    sandbox.weibo.addComment(statusId, { text: '什么时候选房' });
    await collectWeibo(deps());
    // As after a crash between the insert and the cursor write.
    await db.collection('opinion_collect_cursors').deleteMany({});
    expect(await collectWeibo(deps())).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(await reactionCollection(db).countDocuments()).toBe(1);
  });

  it('stops on a quota answer, stays away until the hour turns, then resumes from its cursors', async () => {
    const a = await posted('第一批配租结果');
    const b = await posted('第二批配租结果');
    sandbox.weibo.addComment(a.statusId, { text: '第一条' });
    sandbox.weibo.addComment(b.statusId, { text: '第二条' });
    sandbox.weibo.fault({ path: '/2/statuses/repost_timeline.json', errorCode: 10023 });

    const limited = await collectWeibo(deps());
    expect(limited.stopped).toBe('rate-limited');
    const backoff = await db.collection('opinion_collect_backoff').findOne({ _id: 'weibo' as never });
    expect(backoff).toMatchObject({ code: '10023', notBefore: new Date('2026-10-09T11:00:00+08:00') });

    const later = sandbox.weibo.addComment(a.statusId, { text: '第三条' });
    clock.advance(10 * 60_000);
    expect(await collectWeibo(deps())).toMatchObject({ stopped: 'backoff', inserted: 0, polled: 0 });
    expect((await stored()).map((r) => r.externalId)).not.toContain(later);

    clock.advance(60 * 60_000);
    const resumed = await collectWeibo(deps());
    expect(resumed.stopped).toBeUndefined();
    expect(resumed.polled).toBe(2);
    expect((await stored()).map((r) => r.text).sort()).toEqual(['第一条', '第三条', '第二条'].sort());
    expect(await reactionCollection(db).countDocuments()).toBe(3);
  });

  it('polls only the statuses posted in the account’s mode: a sandbox status is never asked of the live account', async () => {
    const sandboxed = await posted('沙箱模式发出的公示');
    await deliveryCollection(db).updateOne({ externalId: sandboxed.statusId }, { $set: { mode: 'sandbox' } });
    sandbox.weibo.addComment(sandboxed.statusId, { text: '沙箱里的评论' });
    await collectWeibo(deps({ mode: 'live' }));
    expect(await stored({ disclosureId: sandboxed.disclosureId })).toEqual([]);
    await collectWeibo(deps({ mode: 'sandbox' }));
    expect((await stored({ disclosureId: sandboxed.disclosureId })).map((r) => r.text)).toEqual(['沙箱里的评论']);
  });

  it('no longer polls statuses older than the configured age, nor deleted ones', async () => {
    const old = await posted('去年的公示', new Date(clock.now.getTime() - 31 * 86_400_000));
    sandbox.weibo.addComment(old.statusId, { text: '旧帖的新评论' });
    expect(await collectWeibo(deps({ maxAgeDays: 30 }))).toMatchObject({ polled: 0, inserted: 0 });
    expect(await collectWeibo(deps({ maxAgeDays: 40 }))).toMatchObject({ polled: 1, inserted: 1 });

    const gone = { statusId: '5012345678999999', disclosureId: new ObjectId().toHexString() };
    await deliveryCollection(db).insertOne({
      _id: deliveryId(`${gone.disclosureId}:1`, 'weibo', 'weibo'),
      messageKey: `${gone.disclosureId}:1`,
      disclosureId: gone.disclosureId,
      agencyCode: AGENCY,
      channel: 'weibo',
      recipientId: 'weibo',
      state: 'sent',
      attempts: 1,
      externalId: gone.statusId,
      sentAt: clock.now,
      createdAt: clock.now,
      updatedAt: clock.now,
    });
    const first = await collectWeibo(deps({ maxAgeDays: 40 }));
    expect(first.stopped).toBeUndefined();
    expect(await db.collection('opinion_collect_cursors').findOne({ _id: `weibo:${gone.statusId}:comment` as never })).toMatchObject({ gone: true });
    expect((await collectWeibo(deps({ maxAgeDays: 40 }))).polled).toBe(1);
  });

  it('does not count the agency\'s own replies as public reactions (by the account, or recorded as posted by us)', async () => {
    const { statusId } = await posted('海淀区公租房配租结果公示');
    const resident = sandbox.weibo.addComment(statusId, { text: '什么时候公示第二批？', user: { id: '6000000011' } });
    // The account that posted the status (the sandbox token's uid) answers under it.
    const account = sandbox.weibo.statuses().find((s) => s.idstr === statusId)!.uid;
    sandbox.weibo.addComment(statusId, { text: '您好，第二批将于下周公示，感谢关注', user: { id: account } });
    sandbox.weibo.addRepost(statusId, { text: '转发：第二批下周公示', user: { id: account } });
    // A reply gongkai posted and recorded, even if Weibo showed it under another uid.
    const recorded = sandbox.weibo.addComment(statusId, { text: '已转相关科室核实', user: { id: '6000000099' } });
    await db.collection('opinion_responses').insertOne({ _id: 'respond:t1:weibo' as never, taskId: 't1', state: 'posted', statusId, result: { commentId: recorded, statusId }, at: clock.now });
    try {
      expect(await collectWeibo(deps())).toMatchObject({ polled: 1, inserted: 1 });
      expect((await stored()).map((r) => r.externalId)).toEqual([resident]);
    } finally {
      await db.collection('opinion_responses').deleteMany({});
    }
  });

  it('collects mentions of the account for its agency, attaching the disclosure an application number names', async () => {
    const disclosureId = await publishedAllocation(services, AGENCY, ['HD2026-0001']);
    const m1 = sandbox.weibo.addMention({ text: '@海淀住建 我的申请hd2026-0001为什么没有配租结果？', user: { id: '6000000007' } });
    const m2 = sandbox.weibo.addMention({ text: '@海淀住建 窗口服务态度很好' });
    sandbox.weibo.addMention({ text: '@别的账号 与我们无关' }, '5999999999');

    expect(await collectWeibo(deps())).toMatchObject({ inserted: 0 }); // no account agency: mentions are not ours to file
    expect(await collectWeibo(deps({ accountAgency: AGENCY }))).toMatchObject({ inserted: 2 });
    const mentions = await stored({ source: 'weibo-mention' });
    expect(mentions.map((m) => m.externalId)).toEqual([m1, m2]);
    expect(mentions[0]).toMatchObject({ agencyCode: AGENCY, disclosureId });
    expect(mentions[1]!.disclosureId).toBeUndefined();

    const m3 = sandbox.weibo.addMention({ text: '@海淀住建 谢谢' });
    expect(await collectWeibo(deps({ accountAgency: AGENCY }))).toMatchObject({ inserted: 1, duplicates: 0 });
    expect((await stored({ source: 'weibo-mention' })).map((m) => m.externalId)).toContain(m3);
  });
});
