import { Types, type Connection } from 'mongoose';
import type { ChannelId, Recipient } from '../../channels/types.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { ANY, subscriptionCollection, type SubscriptionChannel } from '../models/subscription.model.ts';

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
 * Active subscriptions on a channel whose filters all admit the disclosure, read in _id order
 * one page at a time, so memory stays flat however many subscribers there are.
 */
export async function* subscriptionBatches(
  db: Connection,
  channel: SubscriptionChannel,
  doc: DisclosureRecord,
  after: string | undefined,
  batchSize: number,
): AsyncGenerator<RecipientBatch> {
  const tokens = new Set(doc.searchTokens);
  const filter = {
    channel,
    active: true,
    field: { $in: [ANY, doc.field] },
    itemType: { $in: [ANY, doc.itemType] },
    region: { $in: [ANY, ...doc.regionPath] },
    agency: { $in: [ANY, doc.agencyCode] },
    projectCode: { $in: [ANY, ...(doc.projectCode ? [doc.projectCode] : [])] },
    applicationNumber: { $in: [ANY, ...doc.applicationNumbers] },
  };
  let last = after ? new Types.ObjectId(after) : undefined;
  for (;;) {
    const page = await subscriptionCollection(db)
      .find(last ? { ...filter, _id: { $gt: last } } : filter, {
        projection: { _id: 1, address: 1, keywords: 1 },
      })
      .sort({ _id: 1 })
      .limit(batchSize)
      .toArray();
    if (!page.length) return;
    last = page[page.length - 1]!._id;
    // Keyed by openid, not subscription: a resident whose several subscriptions match gets one message.
    const recipients = page
      .filter((s) => s.keywords.every((k) => tokens.has(k)))
      .map((s) => ({ id: s.address, address: s.address }));
    yield { recipients, cursor: last.toHexString() };
    if (page.length < batchSize) return;
  }
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
