import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Types } from 'mongoose';
import { describe, expect, inject, it } from 'vitest';
import { newSubscription, subscriptionCollection } from '../../core/models/subscription.model.ts';
import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import { listPublic, listQuery } from '../../core/disclosures/list.ts';
import { SEGMENTATION_VERSION } from '../../core/disclosures/search-tokens.ts';
import type { SqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const BIN = path.resolve('bin/gongkai.js');
// A fresh Node process compiling TypeScript: seconds on a busy machine.
const SLOW = 120_000;
const TITLE = '朝阳区2026年共有产权房摇号结果';
/** What the segmenter made of TITLE before it knew 共有产权房: 房摇号, and no 房 a query could match. */
const OLD_TITLE_TOKENS = ['朝阳', '朝阳区', '2026', '年', '共有', '产权', '房摇号', '结果'];

const { db, http, services } = await registryApp('search_reindex');
const readModel = services.readModel as SqliteReadModel;
const { auth } = await agencyWithKey(db, 'bj-chaoyang-zjw');

function reindex() {
  // The CLI opens the same read model file as the service it sits beside.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: `${inject('mongoUri')}${db.name}`, READ_MODEL_FILE: readModel.file };
  return spawnSync(process.execPath, [BIN, 'search', 'reindex'], { env, encoding: 'utf8' });
}

/** The search itself, under the public cache. */
const search = async (q: string) => (await listPublic(readModel, listQuery.parse({ q }))).items.map((item) => item.id);
const stamp = async () => (await db.collection('public_epoch').findOne({ _id: 'public' as never }))?.value as string | undefined;

describe('npx gongkai search reindex', () => {
  it('re-segments tokens stored by an older segmenter, so searches and keyword subscriptions find them again', { timeout: SLOW }, async () => {
    const created = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title: TITLE }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await http().post(`/api/v1/disclosures/${id}/publish`).set(auth)).status).toBe(200);
    expect(await search('共有产权房')).toEqual([id]);

    // The state an upgrade finds: tokens and keywords written by the previous segmenter.
    const disclosures = disclosureCollection(db);
    const before = (await disclosures.findOne({ _id: new Types.ObjectId(id) }))!;
    const fresh = before.searchTokens;
    const stale = [...new Set([...fresh.filter((t) => !['共有产权房', '摇号', '房'].includes(t)), ...OLD_TITLE_TOKENS])];
    await disclosures.updateOne({ _id: before._id }, { $set: { searchTokens: stale }, $inc: { version: 1 } });
    await readModel.apply([(await disclosures.findOne({ _id: before._id }))!]);
    const sub = { ...newSubscription({ subscriberId: new Types.ObjectId(), channel: 'wechat-oa', address: 'oa-reindex', appId: 'wx-test' }, {}, new Date()), keywords: ['共有', '产权', '房'], keywordText: '共有产权房' };
    await subscriptionCollection(db).insertOne(sub);
    await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title: '朝阳区2026年公租房分配结果' })); // a draft: not indexed
    const draftsBefore = await disclosures.countDocuments({ status: 'draft' });
    expect(await search('共有产权房')).toEqual([]);
    const stampBefore = await stamp();

    const first = reindex();
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      segmentationVersion: SEGMENTATION_VERSION,
      disclosures: { public: 1, updated: 1, skipped: 0 },
      subscriptions: { withKeywords: 1, updated: 1 },
    });
    const after = (await disclosures.findOne({ _id: before._id }))!;
    expect(new Set(after.searchTokens)).toEqual(new Set(fresh));
    expect(after.version).toBe(before.version + 2);
    expect(after.revisions).toEqual(before.revisions);
    expect((await subscriptionCollection(db).findOne({ _id: sub._id }))!.keywords).toEqual(['共有产权房']);
    expect(await disclosures.countDocuments({ status: 'draft' })).toBe(draftsBefore);
    expect(await search('共有产权房')).toEqual([id]);
    // The shared public stamp moved, so API processes drop their cached lists.
    expect(await stamp()).not.toBe(stampBefore);

    // The same tokens in another order (as a bulk loader may store them) are not worth a write.
    await disclosures.updateOne({ _id: before._id }, { $set: { searchTokens: [...after.searchTokens].reverse() } });
    const again = reindex();
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ disclosures: { updated: 0 }, subscriptions: { updated: 0 } });
    expect((await disclosures.findOne({ _id: before._id }))!.version).toBe(after.version);
  });
});
