import { Types, type Connection } from 'mongoose';
import type { ChannelId, Recipient } from '../../channels/types.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { ANY, subscriptionCollection, type SubscriptionChannel, type SubscriptionRecord } from '../models/subscription.model.ts';

export interface RecipientBatch {
  recipients: Recipient[];
  /** Resume point after this batch (last subscription id scanned). */
  cursor: string;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
}

/**
 * Active subscriptions on a channel whose filters all admit the disclosure, streamed by one
 * query in `_id` order and handed out in batches, so memory stays flat however many subscribers
 * there are. The cursor is the last subscription id handed out; a resumed run asks for `_id`
 * after it. One query per run matters on FerretDB 1.x, which pushes none of these filters down
 * to SQLite: every such query decodes the whole collection, so paging (or bucketing) multiplies
 * that cost. On MongoDB the { channel, active, _id } index serves it.
 */
export async function* subscriptionBatches(
  db: Connection,
  channel: SubscriptionChannel,
  doc: DisclosureRecord,
  after: string | undefined,
  batchSize: number,
): AsyncGenerator<RecipientBatch> {
  const tokens = new Set(doc.searchTokens);
  const resumeAfter = after && /^[0-9a-f]{24}$/.test(after) ? new Types.ObjectId(after) : undefined;
  const filter = {
    channel,
    active: true,
    ...(resumeAfter ? { _id: { $gt: resumeAfter } } : {}),
    field: { $in: [ANY, doc.field] },
    itemType: { $in: [ANY, doc.itemType] },
    region: { $in: [ANY, ...doc.regionPath] },
    agency: { $in: [ANY, doc.agencyCode] },
    projectCode: { $in: [ANY, ...(doc.projectCode ? [doc.projectCode] : [])] },
    applicationNumber: { $in: [ANY, ...doc.applicationNumbers] },
  };
  const rows = subscriptionCollection(db)
    .find(filter, { projection: { _id: 1, address: 1, keywords: 1 }, batchSize })
    .sort({ _id: 1 });
  let slice: Pick<SubscriptionRecord, '_id' | 'address' | 'keywords'>[] = [];
  const batch = (): RecipientBatch => ({
    // Keyed by openid, not subscription: a resident whose several subscriptions match gets one message.
    recipients: slice.filter((s) => s.keywords.every((k) => tokens.has(k))).map((s) => ({ id: s.address, address: s.address })),
    cursor: slice[slice.length - 1]!._id.toHexString(),
  });
  for await (const row of rows) {
    slice.push(row);
    if (slice.length >= batchSize) {
      yield batch();
      slice = [];
    }
  }
  if (slice.length) yield batch();
}

/** Where each channel's recipients come from. */
export function recipientBatches(
  db: Connection,
  channel: ChannelId,
  doc: DisclosureRecord,
  after: string | undefined,
  options: { batchSize: number; webhooks: WebhookEndpoint[]; massTagId?: number },
): AsyncGenerator<RecipientBatch> | RecipientBatch[] {
  // An item the agency marks for broadcast goes to the whole tag by one mass send instead of
  // one notice per subscriber (who would otherwise get it twice).
  if (channel === 'wechat-oa' && doc.broadcast && options.massTagId) {
    return after ? [] : [{ recipients: [{ id: `tag-${options.massTagId}`, address: `tag:${options.massTagId}` }], cursor: 'all' }];
  }
  if (channel === 'wechat-oa' || channel === 'wechat-mp') return subscriptionBatches(db, channel, doc, after, options.batchSize);
  if (channel === 'webhook') {
    return after ? [] : [{ recipients: options.webhooks.map((w) => ({ id: w.id, address: w.url })), cursor: 'all' }];
  }
  // Broadcast channels (Weibo): one post per change.
  return after ? [] : [{ recipients: [{ id: 'broadcast', address: '' }], cursor: 'all' }];
}
