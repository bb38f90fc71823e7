import type { DisclosureRecord } from '../models/disclosure.model.ts';
import type { DisclosureStore } from '../store/disclosure-store.ts';
import { rowOf } from './row.ts';
import type { ReadModel } from './types.ts';

const BATCH = 500;
/** A row is made from everything but these (the events and the outbox can be most of a document). */
const WHAT_ROWS_NEED = { events: 0, outbox: 0, requestHash: 0, idempotencyKey: 0 } as const;

/**
 * Empties the read model and applies every disclosure in MongoDB. Writes may go on meanwhile:
 * each is applied by its writer too, and an older copy read here never replaces a newer row.
 */
export async function rebuildReadModel(
  store: DisclosureStore,
  readModel: ReadModel,
  onProgress?: (done: number, total: number) => void,
): Promise<{ disclosures: number }> {
  await readModel.reset();
  const total = await store.count();
  let done = 0;
  let batch: DisclosureRecord[] = [];
  for await (const doc of store.scan(WHAT_ROWS_NEED)) {
    batch.push(doc);
    if (batch.length >= BATCH) {
      await readModel.apply(batch);
      done += batch.length;
      batch = [];
      onProgress?.(done, total);
    }
  }
  if (batch.length) await readModel.apply(batch);
  done += batch.length;
  onProgress?.(done, Math.max(total, done));
  await readModel.markBuilt();
  return { disclosures: done };
}

export interface VerifyReport {
  disclosures: number;
  rows: number;
  missing: string[];
  stale: { id: string; mongo: number; readModel: number }[];
  differing: string[];
  extra: string[];
}

/**
 * Compares the read model with MongoDB, disclosure by disclosure: each row's version and the
 * hash of what it holds against the row MongoDB's document gives now.
 */
export async function verifyReadModel(store: DisclosureStore, readModel: ReadModel, onProgress?: (done: number) => void): Promise<VerifyReport> {
  const stored = new Map<string, { version: number; hash: string }>();
  for await (const d of readModel.digests()) stored.set(d.id, { version: d.version, hash: d.hash });
  const report: VerifyReport = { disclosures: 0, rows: stored.size, missing: [], stale: [], differing: [], extra: [] };
  const seen = new Set<string>();
  for await (const doc of store.scan(WHAT_ROWS_NEED)) {
    const row = rowOf(doc);
    seen.add(row.id);
    report.disclosures++;
    if (report.disclosures % 1000 === 0) onProgress?.(report.disclosures);
    const have = stored.get(row.id);
    if (!have) report.missing.push(row.id);
    else if (have.version !== row.version) report.stale.push({ id: row.id, mongo: row.version, readModel: have.version });
    else if (have.hash !== row.hash) report.differing.push(row.id);
  }
  for (const id of stored.keys()) if (!seen.has(id)) report.extra.push(id);
  return report;
}
