import type { Connection } from 'mongoose';
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
 * Active subscriptions on a channel whose filters all admit the disclosure, streamed in the
 * collection's natural order and handed out in batches, so memory stays flat however many
 * subscribers there are.
 *
 * Why natural order and filters in code: FerretDB 1.x pushes none of these filters down to SQLite
 * and sorts in memory, so any sorted, paged or bucketed read decodes the whole collection before
 * its first row (over 30 s at 100k subscriptions on a busy machine), while a natural-order scan
 * streams from the first row. Natural order is insertion order on both FerretDB and MongoDB, and
 * updates (a subscription switched off) do not move a document, so a position is a checkpoint.
 *
 * The cursor `${position}:${lastId}` resumes right after `lastId`. Should that subscription have
 * been deleted meanwhile, the scan restarts RESUME_MARGIN rows before `position`: deletions can
 * only move later rows earlier, and the delivery claims absorb what is read twice.
 */
export async function* subscriptionBatches(
  db: Connection,
  channel: SubscriptionChannel,
  doc: DisclosureRecord,
  after: string | undefined,
  batchSize: number,
): AsyncGenerator<RecipientBatch> {
  const resume = parseCursor(after);
  const admits = matcher(doc);
  const scan = () =>
    subscriptionCollection(db)
      .find({ channel }, { projection: MATCH_PROJECTION, batchSize: Math.max(batchSize, 100) })
      .hint({ $natural: 1 });

  let position = 0;
  let rows = scan();
  // Skipping uses next(), not for-await: leaving a for-await loop early closes the cursor.
  if (resume) {
    let found = false;
    for (let row = await rows.next(); row; row = await rows.next()) {
      position += 1;
      if (row._id.toHexString() === resume.lastId) {
        found = true;
        break;
      }
    }
    if (!found) {
      rows = scan();
      position = 0;
      const skip = Math.max(0, resume.position - RESUME_MARGIN);
      while (position < skip && (await rows.next())) position += 1;
    }
  }

  let recipients: Recipient[] = [];
  let scanned = 0;
  let lastId = '';
  for await (const row of rows) {
    position += 1;
    scanned += 1;
    lastId = row._id.toHexString();
    // Keyed by openid, not subscription: a resident whose several subscriptions match gets one message.
    if (admits(row)) recipients.push({ id: row.address, address: row.address });
    // A batch is full of recipients, or of rows scanned: checkpoints advance through sparse matches too.
    if (recipients.length >= batchSize || scanned >= batchSize * SCAN_PER_BATCH) {
      yield { recipients, cursor: `${position}:${lastId}` };
      recipients = [];
      scanned = 0;
    }
  }
  if (scanned) yield { recipients, cursor: `${position}:${lastId}` };
}

const RESUME_MARGIN = 1_000;
const SCAN_PER_BATCH = 20;

const MATCH_PROJECTION = {
  _id: 1,
  address: 1,
  active: 1,
  field: 1,
  itemType: 1,
  region: 1,
  agency: 1,
  projectCode: 1,
  applicationNumber: 1,
  keywords: 1,
} as const;

type MatchRow = Pick<
  SubscriptionRecord,
  '_id' | 'address' | 'active' | 'field' | 'itemType' | 'region' | 'agency' | 'projectCode' | 'applicationNumber' | 'keywords'
>;

/** The subscription filters, each ANY or equal to the disclosure's value; keywords all among its tokens. */
function matcher(doc: DisclosureRecord): (row: MatchRow) => boolean {
  const tokens = new Set(doc.searchTokens);
  const regions = new Set(doc.regionPath);
  const numbers = new Set(doc.applicationNumbers);
  const either = (value: string, wanted: string | undefined) => value === ANY || value === wanted;
  return (row) =>
    row.active &&
    either(row.field, doc.field) &&
    either(row.itemType, doc.itemType) &&
    (row.region === ANY || regions.has(row.region)) &&
    either(row.agency, doc.agencyCode) &&
    either(row.projectCode, doc.projectCode) &&
    (row.applicationNumber === ANY || numbers.has(row.applicationNumber)) &&
    (row.keywords ?? []).every((k) => tokens.has(k));
}

function parseCursor(cursor: string | undefined): { position: number; lastId: string } | undefined {
  const match = cursor ? /^(\d+):([0-9a-f]{24})$/.exec(cursor) : null;
  return match ? { position: Number(match[1]), lastId: match[2]! } : undefined;
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
