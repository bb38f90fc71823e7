import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import { listQuery } from '../../core/disclosures/list.ts';
import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import { rebuildReadModel, verifyReadModel } from '../../core/read-model/rebuild.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { publishedAllocation, registryApp } from '../helpers/registry.ts';

const { db, services } = await registryApp('read_model_rebuild');

// More than two of the rebuild's 500-document batches, and not a multiple of them: a batch lost,
// applied twice or a last partial batch left out would show here.
const COPIES = 1_233;

it('rebuilds every disclosure of a collection larger than its batches, each once', { timeout: 120_000 }, async () => {
  const id = await publishedAllocation(services, 'bj-haidian-zjw');
  const original = (await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) }))!;
  const base = original.publishedAt!.getTime();
  const copies = Array.from({ length: COPIES }, (_, i) => {
    const at = new Date(base - (i + 1) * 60_000);
    return { ...original, _id: new Types.ObjectId(), idempotencyKey: `copy-${i}`, publishedAt: at, lastPublishedAt: at, publicChangedAt: at };
  });
  for (let i = 0; i < copies.length; i += 400) await disclosureCollection(db).insertMany(copies.slice(i, i + 400));

  const model = testReadModel();
  const progress: number[] = [];
  expect(await rebuildReadModel(services.store, model, (done) => progress.push(done))).toEqual({ disclosures: COPIES + 1 });
  expect(progress).toEqual([500, 1000, 1234]);
  const report = await verifyReadModel(services.store, model);
  expect(report).toMatchObject({ disclosures: COPIES + 1, rows: COPIES + 1, missing: [], stale: [], differing: [], extra: [] });
  const page = await model.listPublic(listQuery.parse({ facets: 'true', limit: 1 }));
  expect(page.facets!.total).toBe(COPIES + 1);
  expect(page.items[0]!.id).toBe(id);
});
