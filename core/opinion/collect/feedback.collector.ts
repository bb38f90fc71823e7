import type { Filter } from 'mongodb';
import type { Connection } from 'mongoose';
import { feedbackCollection, type FeedbackRecord } from '../../residents/feedback.ts';
import { ingestReactions, type IngestResult } from '../ingest.ts';
import type { Sentiment } from '../sentiment/index.ts';
import { collectCursors, saveCursor } from './collect-state.ts';
import { authorPseudonym, DEFAULT_PSEUDONYM_KEY } from './pseudonym.ts';

export interface FeedbackCollectDeps {
  db: Connection;
  now: () => Date;
  pseudonymKey?: string;
  sentiment?: Sentiment;
  batchSize?: number;
}

const CURSOR = 'miniprogram';
/**
 * Each run re-reads this far behind the newest feedback it saw: a comment whose insert was slow
 * can land after a later one was read. The overlap costs duplicate-key no-ops, not double counts.
 */
const OVERLAP_MS = 10 * 60_000;

/**
 * Copies residents' mini-program feedback into `reactions` (source `miniprogram`). The feedback
 * itself is never modified: what was moved is known by the reaction's unique id, and a cursor
 * on `createdAt`, saved after the insert, keeps each run to the recent tail.
 */
export async function collectFeedback(deps: FeedbackCollectDeps): Promise<IngestResult> {
  const total = { inserted: 0, duplicates: 0 };
  const size = deps.batchSize ?? 500;
  const key = deps.pseudonymKey ?? DEFAULT_PSEUDONYM_KEY;
  const cursor = await collectCursors(deps.db).findOne({ _id: CURSOR });
  let after: { at: Date; id?: FeedbackRecord['_id'] } | undefined = cursor?.at ? { at: new Date(cursor.at.getTime() - OVERLAP_MS) } : undefined;
  for (;;) {
    const filter: Filter<FeedbackRecord> = !after
      ? {}
      : after.id
        ? { $or: [{ createdAt: { $gt: after.at } }, { createdAt: after.at, _id: { $gt: after.id } }] }
        : { createdAt: { $gte: after.at } };
    const batch = await feedbackCollection(deps.db).find(filter).sort({ createdAt: 1, _id: 1 }).limit(size).toArray();
    if (!batch.length) return total;
    const result = await ingestReactions(
      deps.db,
      batch.map((f) => ({
        source: 'miniprogram' as const,
        externalId: f._id.toHexString(),
        agencyCode: f.agencyCode,
        disclosureId: f.disclosureId,
        text: f.text,
        author: authorPseudonym('mp', f.subscriberId.toHexString(), key),
        at: f.createdAt,
      })),
      deps.now(),
      deps.sentiment,
    );
    total.inserted += result.inserted;
    total.duplicates += result.duplicates;
    const last = batch.at(-1)!;
    await saveCursor(deps.db, CURSOR, { at: last.createdAt, polledAt: deps.now() });
    if (batch.length < size) return total;
    after = { at: last.createdAt, id: last._id };
  }
}
