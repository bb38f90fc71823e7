import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { SEGMENTATION_VERSION } from '../../core/disclosures/search-tokens.ts';
import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import { processEnv, processSandbox, startApiProcess } from '../helpers/processes.ts';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http } = await registryApp('search_reindex_at_start');
const { auth } = await agencyWithKey(db, 'bj-fengtai-zjw');
const sandbox = await processSandbox();

describe('an API process starting on tokens of an older segmentation', () => {
  it('re-segments them in the background and records the version, once', async () => {
    const created = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title: '丰台区2026年公共租赁住房配租结果' }));
    const id = created.body.id as string;
    expect((await http().post(`/api/v1/disclosures/${id}/publish`).set(auth)).status).toBe(200);
    const disclosures = disclosureCollection(db);
    const fresh = (await disclosures.findOne({ _id: new Types.ObjectId(id) }))!.searchTokens;
    expect(fresh).toContain('公租房');
    // As version 2 left it: no synonyms indexed.
    await disclosures.updateOne({ _id: new Types.ObjectId(id) }, { $set: { searchTokens: fresh.filter((t) => t !== '公租房') } });
    await db.collection('search_meta').insertOne({ _id: 'segmentation' as never, version: SEGMENTATION_VERSION - 1, at: new Date() });

    const api = await startApiProcess(processEnv(db, sandbox.url));
    const done = await api.waitForLog('search tokens re-segmented', 60_000);
    expect(done).toMatchObject({ disclosures: { updated: 1 }, version: SEGMENTATION_VERSION });
    expect((await disclosures.findOne({ _id: new Types.ObjectId(id) }))!.searchTokens).toContain('公租房');
    expect((await db.collection('search_meta').findOne({ _id: 'segmentation' as never }))?.version).toBe(SEGMENTATION_VERSION);

    // A second process finds the tokens current and leaves them alone.
    const second = await startApiProcess(processEnv(db, sandbox.url));
    expect(await second.waitForLog('search tokens are current')).toMatchObject({ version: SEGMENTATION_VERSION });
    expect(second.logs.some((l) => l.msg === 'search tokens: re-segmenting what an older or unrecorded segmentation stored')).toBe(false);
    expect(api.logs.filter((l) => l.msg === 'search tokens: re-segmenting what an older or unrecorded segmentation stored')).toHaveLength(1);
  });
});
