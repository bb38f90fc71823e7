import type { Connection } from 'mongoose';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';
import { disclosureStore, type DisclosureClaim } from '../store/disclosure-store.ts';
import { naturalScan } from '../store/scan.ts';
import { VersionConflict } from '../store/versioned.ts';
import { PUBLIC_STATUSES } from './public-statuses.ts';
import { queryTokens, SEGMENTATION_VERSION } from './search-tokens.ts';
import type { Logger } from 'pino';
import { publicIndex } from './transitions.ts';

/** The write's effects (read model, caches), as DisclosureDeps.written. */
export type AfterWrite = (doc: DisclosureRecord, claim: DisclosureClaim) => Promise<void>;

export interface ReindexCounts {
  disclosures: { public: number; updated: number; skipped: number };
  subscriptions: { withKeywords: number; updated: number };
}

/** As sets: search matches tokens, never their order, so a reordering is not worth a write. */
function sameTokens(a: readonly string[], b: readonly string[]) {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((token) => set.has(token));
}
const PUBLIC = new Set<string>(PUBLIC_STATUSES);

/**
 * Re-segments what was stored with an older segmentation (SEGMENTATION_VERSION): the search
 * tokens of every public disclosure, from its latest published revision as publishing computes
 * them, and the keywords of every subscription, from the text the resident typed. Only what
 * changed is written. A disclosure is written like any state change, by claiming its next
 * version, so a publish or correction racing with this wins and is not overwritten; one that
 * moved on meanwhile is counted as skipped (it was indexed by the new code anyway). Each write
 * goes through the journal like any other, so the read model and the public caches follow it.
 */
export async function reindexSearch(db: Connection, after: AfterWrite, now = new Date()): Promise<ReindexCounts> {
  const counts: ReindexCounts = { disclosures: { public: 0, updated: 0, skipped: 0 }, subscriptions: { withKeywords: 0, updated: 0 } };
  const store = disclosureStore(db);
  for await (const doc of store.scan({ events: 0 })) {
    if (!PUBLIC.has(doc.status)) continue;
    const revision = [...doc.revisions].reverse().find((r) => r.publishedAt);
    if (!revision) continue;
    counts.disclosures.public++;
    const { searchTokens } = publicIndex(doc as DisclosureRecord, revision);
    if (sameTokens(searchTokens, doc.searchTokens)) continue;
    const written = await store.write(doc._id.toHexString(), 'search-reindex', () => now, (fresh) =>
      fresh.version === doc.version ? { set: { searchTokens }, intent: { outboxKeys: [], publicChange: true } } : null,
    ).catch((error: unknown) => {
      if (error instanceof VersionConflict) return undefined;
      throw error;
    });
    if (written?.changed) {
      counts.disclosures.updated++;
      await after(written.doc, written.claim);
    } else counts.disclosures.skipped++;
  }
  const subscriptions = subscriptionCollection(db);
  for await (const sub of naturalScan(subscriptions, { keywords: 1, keywordText: 1 })) {
    if (!sub.keywordText) continue;
    counts.subscriptions.withKeywords++;
    const keywords = queryTokens(sub.keywordText);
    if (sameTokens(keywords, sub.keywords ?? [])) continue;
    await subscriptions.updateOne({ _id: sub._id }, { $set: { keywords } });
    counts.subscriptions.updated++;
  }
  await markSegmentationCurrent(db, now);
  return counts;
}

/** Records that every stored token was made by this code's segmentation (done by a reindex, or by a loader that made them so). */
export async function markSegmentationCurrent(db: Connection, now = new Date()) {
  await searchMeta(db).updateOne({ _id: 'segmentation' }, { $set: { version: SEGMENTATION_VERSION, at: now } }, { upsert: true });
}

function searchMeta(db: Connection) {
  return db.collection<{ _id: string; version: number; at: Date }>('search_meta');
}

/**
 * Run by API processes at start: re-segments stored tokens when they were written by an older
 * segmentation than this code's, so an upgrade does not leave search and keyword subscriptions
 * missing items until someone remembers the CLI. Several processes may do it at once: the
 * writes are versioned and only what differs is written. A database that never had a
 * disclosure counts as stale once, which costs one empty scan.
 */
export async function reindexIfStale(db: Connection, after: AfterWrite, logger: Logger): Promise<ReindexCounts | undefined> {
  const stored = (await searchMeta(db).findOne({ _id: 'segmentation' }))?.version ?? 0;
  if (stored >= SEGMENTATION_VERSION) {
    logger.info({ version: stored }, 'search tokens are current');
    return undefined;
  }
  logger.info({ from: stored, to: SEGMENTATION_VERSION }, 'search tokens: re-segmenting what an older or unrecorded segmentation stored');
  const counts = await reindexSearch(db, after);
  logger.info({ ...counts, version: SEGMENTATION_VERSION }, 'search tokens re-segmented');
  return counts;
}
