import type { Connection } from 'mongoose';
import { reactionsInbox } from '../../wechat-callback/store.ts';
import { ingestReactions, type IngestResult, type ReactionItem } from '../ingest.ts';
import type { Sentiment } from '../sentiment/index.ts';
import { disclosureNamedIn } from './match-disclosure.ts';
import type { ReadModel } from '../../read-model/types.ts';

export interface InboxCollectDeps {
  db: Connection;
  now: () => Date;
  /** Finds the disclosure a text names; absent: texts are filed without one. */
  readModel?: ReadModel;
  /** The agency that owns the official account (WECHAT_OA_AGENCY). */
  agencyCode: string;
  sentiment?: Sentiment;
  /** Inbox texts per batch. */
  batchSize?: number;
}

/**
 * Moves followers' free texts from the callback's `reactions_inbox` into `reactions`. A text is
 * deleted from the inbox only after its insert succeeded (or proved it was already there), so a
 * crash in between leaves it to be moved again, and the insert dedupes on its MsgId.
 */
export async function collectOaInbox(deps: InboxCollectDeps): Promise<IngestResult> {
  const total = { inserted: 0, duplicates: 0 };
  const size = deps.batchSize ?? 200;
  const inbox = reactionsInbox(deps.db);
  for (;;) {
    const batch = await inbox.find({}).sort({ receivedAt: 1 }).limit(size).toArray();
    if (!batch.length) return total;
    const items: ReactionItem[] = [];
    for (const doc of batch) {
      const disclosureId = await disclosureNamedIn(deps.readModel, deps.agencyCode, doc.text);
      items.push({
        source: 'wechat-oa',
        externalId: doc._id.replace(/^wechat-oa:/, ''),
        agencyCode: deps.agencyCode,
        ...(disclosureId ? { disclosureId } : {}),
        text: doc.text,
        // Already an HMAC of the openid (the callback never stores openids); shortened to the common form.
        author: `oa_${doc.openid.slice(0, 20)}`,
        at: doc.receivedAt,
      });
    }
    const result = await ingestReactions(deps.db, items, deps.now(), deps.sentiment);
    total.inserted += result.inserted;
    total.duplicates += result.duplicates;
    await inbox.deleteMany({ _id: { $in: batch.map((d) => d._id) } });
    if (batch.length < size) return total;
  }
}
