import type { Connection } from 'mongoose';
import type { ChannelId, Recipient } from '../../channels/types.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { ANY, BUCKETS, subscriptionCollection, type SubscriptionChannel } from '../models/subscription.model.ts';

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
 * Active subscriptions on a channel whose filters all admit the disclosure, read one bucket at
 * a time (see BUCKETS) and handed out in batches, so memory stays flat however many subscribers
 * there are. A cursor `${bucket}:${lastId}` resumes inside the bucket where the last run stopped.
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
  const [startBucket, startAfter] = parseCursor(after);
  // `~` marks a bucket finished: resume with the next one.
  const first = BUCKETS.indexOf(startBucket) + (startAfter === '~' ? 1 : 0);
  for (const bucket of BUCKETS.slice(first)) {
    const resumeAfter = bucket === startBucket ? startAfter : undefined;
    const rows = await subscriptionCollection(db)
      .find({ ...filter, bucket }, { projection: { _id: 1, address: 1, keywords: 1 } })
      .sort({ _id: 1 })
      .toArray();
    const page = resumeAfter ? rows.filter((s) => s._id.toHexString() > resumeAfter) : rows;
    for (let i = 0; i < page.length; i += batchSize) {
      const slice = page.slice(i, i + batchSize);
      // Keyed by openid, not subscription: a resident whose several subscriptions match gets one message.
      const recipients = slice
        .filter((s) => s.keywords.every((k) => tokens.has(k)))
        .map((s) => ({ id: s.address, address: s.address }));
      yield { recipients, cursor: `${bucket}:${slice[slice.length - 1]!._id.toHexString()}` };
    }
    // An empty or finished bucket still moves the checkpoint, so a resumed run skips it.
    if (!page.length) yield { recipients: [], cursor: `${bucket}:~` };
  }
}

function parseCursor(cursor: string | undefined): [string, string | undefined] {
  const match = cursor ? /^([0-9a-f]):([0-9a-f]{24}|~)$/.exec(cursor) : null;
  if (!match) return [BUCKETS[0]!, undefined];
  return [match[1]!, match[2]];
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
