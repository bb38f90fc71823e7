import type { Connection } from 'mongoose';
import { claimId } from '../claims.ts';
import { disclosureCollection, type DisclosureRecord } from '../models/disclosure.model.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';
import { createPublicCache } from '../public-cache.ts';
import { PUBLIC_STATUSES } from './list.ts';
import { queryTokens, SEGMENTATION_VERSION } from './search-tokens.ts';
import type { Logger } from 'pino';
import { publicIndex, versionClaims } from './transitions.ts';

export interface ReindexCounts {
  disclosures: { public: number; updated: number; skipped: number };
  subscriptions: { withKeywords: number; updated: number };
}

const sameTokens = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((token, i) => token === b[i]);
const PUBLIC = new Set<string>(PUBLIC_STATUSES);

/**
 * Re-segments what was stored with an older segmentation (SEGMENTATION_VERSION): the search
 * tokens of every public disclosure, from its latest published revision as publishing computes
 * them, and the keywords of every subscription, from the text the resident typed. Only what
 * changed is written. A disclosure is written like any state change, by claiming its next
 * version, so a publish or correction racing with this wins and is not overwritten; one that
 * moved on meanwhile is counted as skipped (it was indexed by the new code anyway).
 */
export async function reindexSearch(db: Connection, now = new Date()): Promise<ReindexCounts> {
  const counts: ReindexCounts = { disclosures: { public: 0, updated: 0, skipped: 0 }, subscriptions: { withKeywords: 0, updated: 0 } };
  const disclosures = disclosureCollection(db);
  // Filtered here, not in the query: FerretDB 1.x reads every document either way.
  for await (const doc of disclosures.find({}, { projection: { events: 0 } }).hint({ $natural: 1 })) {
    if (!PUBLIC.has(doc.status)) continue;
    const revision = [...doc.revisions].reverse().find((r) => r.publishedAt);
    if (!revision) continue;
    counts.disclosures.public++;
    const { searchTokens } = publicIndex(doc as DisclosureRecord, revision);
    if (sameTokens(searchTokens, doc.searchTokens)) continue;
    const id = doc._id.toHexString();
    const claimed = await claimId(versionClaims(db), { _id: `${id}:${doc.version + 1}`, at: now, keyId: 'search-reindex' });
    const written = claimed && (await disclosures.updateOne({ _id: doc._id, version: doc.version }, { $set: { searchTokens, version: doc.version + 1 } })).modifiedCount === 1;
    if (written) counts.disclosures.updated++;
    else counts.disclosures.skipped++;
  }
  // Search results changed: API processes drop their cached lists within their stamp interval.
  if (counts.disclosures.updated) await createPublicCache(db).invalidate();
  const subscriptions = subscriptionCollection(db);
  for await (const sub of subscriptions.find({}, { projection: { keywords: 1, keywordText: 1 } }).hint({ $natural: 1 })) {
    if (!sub.keywordText) continue;
    counts.subscriptions.withKeywords++;
    const keywords = queryTokens(sub.keywordText);
    if (sameTokens(keywords, sub.keywords ?? [])) continue;
    await subscriptions.updateOne({ _id: sub._id }, { $set: { keywords } });
    counts.subscriptions.updated++;
  }
  await searchMeta(db).updateOne({ _id: 'segmentation' }, { $set: { version: SEGMENTATION_VERSION, at: now } }, { upsert: true });
  return counts;
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
export async function reindexIfStale(db: Connection, logger: Logger): Promise<ReindexCounts | undefined> {
  const stored = (await searchMeta(db).findOne({ _id: 'segmentation' }))?.version ?? 0;
  if (stored >= SEGMENTATION_VERSION) {
    logger.info({ version: stored }, 'search tokens are current');
    return undefined;
  }
  logger.info({ from: stored, to: SEGMENTATION_VERSION }, 'search tokens: re-segmenting what an older or unrecorded segmentation stored');
  const counts = await reindexSearch(db);
  logger.info({ ...counts, version: SEGMENTATION_VERSION }, 'search tokens re-segmented');
  return counts;
}
