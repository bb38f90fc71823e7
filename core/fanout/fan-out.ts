import { Types } from 'mongoose';
import { disclosureCollection, type DisclosureRecord, type OutboxEntry } from '../models/disclosure.model.ts';
import { deliveryCollection } from '../models/delivery.model.ts';
import { deliverBatch } from './deliver-batch.ts';
import type { FanOutDeps } from './deps.ts';
import { buildMessage } from './message.ts';
import { parseOutboxKey } from './outbox-keys.ts';
import { recipientBatches } from './recipients.ts';

export interface FanOutResult {
  state: 'done' | 'busy' | 'scheduled' | 'gone';
  /** When the job should run again (backoff of retries, or a quota pause). */
  runAt?: Date;
}

/**
 * Runs one public change on one channel to completion, or to the next point it must wait:
 * takes the outbox lease with one conditional write, streams recipients from the checkpoint,
 * checkpoints after every batch, retries what is due, and releases the lease.
 */
export async function runFanOut(deps: FanOutDeps, disclosureId: string, key: string): Promise<FanOutResult> {
  const parsed = parseOutboxKey(key);
  if (!parsed || !Types.ObjectId.isValid(disclosureId)) return { state: 'gone' };
  const collection = disclosureCollection(deps.db);
  const _id = new Types.ObjectId(disclosureId);
  const path = `outbox.${key}`;
  const now = deps.now();
  const doc = await collection.findOneAndUpdate(
    {
      _id,
      [`${path}.state`]: { $in: ['queued', 'running', 'paused'] },
      $or: [{ [`${path}.leaseUntil`]: { $exists: false } }, { [`${path}.leaseUntil`]: { $lt: now } }],
    },
    { $set: { [`${path}.state`]: 'running', [`${path}.leaseOwner`]: deps.workerId, [`${path}.leaseUntil`]: lease(deps) } },
    { returnDocument: 'after' },
  );
  if (!doc) return (await collection.countDocuments({ _id, outboxPending: key })) ? { state: 'busy' } : { state: 'gone' };
  const entry = doc.outbox![key]!;
  const channel = deps.channels.get(parsed.channel);
  if (!channel) return finish(deps, doc, key, 'channel not configured');
  if (entry.resumeAt && entry.resumeAt > now) return release(deps, _id, key, entry.resumeAt, 'paused');

  const message = buildMessage(doc, parsed.change, deps.site);
  let cursor = entry.cursor;
  const batches = recipientBatches(deps.db, channel.id, doc, cursor, { batchSize: deps.batchSize, webhooks: deps.webhooks });
  for await (const batch of batches) {
    const outcome = await deliverBatch(deps, channel, message, doc.agencyCode, batch.recipients);
    if (outcome.pausedUntil) {
      deps.logger.warn({ channel: channel.id, until: outcome.pausedUntil }, 'vendor quota spent: channel paused');
      return release(deps, _id, key, outcome.pausedUntil, 'paused', cursor);
    }
    cursor = batch.cursor;
    // Checkpoint and renew in one write; if the lease was lost, another worker carries on.
    const kept = await collection.updateOne(
      { _id, [`${path}.leaseOwner`]: deps.workerId },
      { $set: { [`${path}.cursor`]: cursor, [`${path}.leaseUntil`]: lease(deps) } },
    );
    if (!kept.modifiedCount && !kept.matchedCount) return { state: 'busy' };
  }
  const due = await retryDue(deps, channel.id, message, doc);
  if (due.pausedUntil) return release(deps, _id, key, due.pausedUntil, 'paused', cursor);
  if (due.nextAt) return release(deps, _id, key, due.nextAt, 'running', cursor);
  return finish(deps, doc, key);
}

/** Deliveries whose backoff has passed are sent again; the earliest future one sets the next run. */
async function retryDue(deps: FanOutDeps, channelId: string, message: ReturnType<typeof buildMessage>, doc: DisclosureRecord) {
  const deliveries = deliveryCollection(deps.db);
  const channel = deps.channels.get(channelId as never)!;
  for (;;) {
    const due = await deliveries
      .find({ messageKey: message.key, channel: channel.id, state: 'retry', nextAttemptAt: { $lte: deps.now() } })
      .limit(deps.batchSize)
      .toArray();
    if (!due.length) break;
    const outcome = await deliverBatch(
      deps,
      channel,
      message,
      doc.agencyCode,
      due.map((d) => ({ id: d.recipientId, address: d.address ?? '' })),
    );
    if (outcome.pausedUntil) return { pausedUntil: outcome.pausedUntil };
  }
  const next = await deliveries
    .find({ messageKey: message.key, channel: channel.id, state: 'retry' }, { projection: { nextAttemptAt: 1 } })
    .sort({ nextAttemptAt: 1 })
    .limit(1)
    .next();
  return { nextAt: next?.nextAttemptAt };
}

function lease(deps: FanOutDeps): Date {
  return new Date(deps.now().getTime() + deps.leaseMs);
}

async function release(
  deps: FanOutDeps,
  _id: Types.ObjectId,
  key: string,
  runAt: Date,
  state: OutboxEntry['state'],
  cursor?: string,
): Promise<FanOutResult> {
  const path = `outbox.${key}`;
  await disclosureCollection(deps.db).updateOne(
    { _id, [`${path}.leaseOwner`]: deps.workerId },
    {
      $set: { [`${path}.state`]: state, [`${path}.resumeAt`]: runAt, ...(cursor ? { [`${path}.cursor`]: cursor } : {}) },
      $unset: { [`${path}.leaseOwner`]: '', [`${path}.leaseUntil`]: '' },
    },
  );
  return { state: 'scheduled', runAt };
}

async function finish(deps: FanOutDeps, doc: DisclosureRecord, key: string, note?: string): Promise<FanOutResult> {
  const path = `outbox.${key}`;
  await disclosureCollection(deps.db).updateOne(
    { _id: doc._id, [`${path}.leaseOwner`]: deps.workerId },
    {
      $set: { [`${path}.state`]: 'done', [`${path}.finishedAt`]: deps.now() },
      $unset: { [`${path}.leaseOwner`]: '', [`${path}.leaseUntil`]: '', [`${path}.resumeAt`]: '' },
      $pull: { outboxPending: key },
    },
  );
  if (note) deps.logger.info({ key, disclosureId: doc._id.toHexString() }, note);
  return { state: 'done' };
}
