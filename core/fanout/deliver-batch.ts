import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation } from 'mongodb';
import { ChannelError, type Channel, type OutgoingMessage, type Recipient } from '../../channels/types.ts';
import { deliveryCollection, deliveryId, type DeliveryRecord } from '../models/delivery.model.ts';
import { backoffMs, MAX_ATTEMPTS } from './backoff.ts';
import type { FanOutDeps } from './deps.ts';
import { applyRecipientSideEffects, consentFilter } from './recipient-effects.ts';

export interface BatchOutcome {
  sent: number;
  skipped: number;
  retry: number;
  failed: number;
  /** Set when the vendor said to stop (quota): resume after this time. */
  pausedUntil?: Date;
}

type Result =
  | { state: 'sent'; externalId?: string }
  | { state: 'skipped' | 'failed' | 'retry'; code: string; message: string }
  | { state: 'released' };

/**
 * Delivers one message to a batch of recipients: creates their delivery records (the unique _id
 * makes a second worker's or a resumed run's inserts no-ops), claims the ones still to send with
 * one conditional write, sends through the channel's throttle, then records every outcome.
 */
export async function deliverBatch(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  agencyCode: string,
  recipients: Recipient[],
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { sent: 0, skipped: 0, retry: 0, failed: 0 };
  if (!recipients.length) return outcome;
  const collection = deliveryCollection(deps.db);
  const now = deps.now();
  const byId = new Map(recipients.map((r) => [deliveryId(message.key, channel.id, r.id), r]));
  const ids = [...byId.keys()];
  await insertNew(deps, channel, message, agencyCode, recipients, now);

  // A claim left by a worker that died mid-send is stale after the lease: those may be sent twice.
  const claim = `${deps.workerId}:${randomUUID()}`;
  await collection.updateMany(
    {
      _id: { $in: ids },
      $or: [
        { state: 'queued' },
        { state: 'retry', nextAttemptAt: { $lte: now } },
        { state: 'sending', claimedAt: { $lt: new Date(now.getTime() - deps.leaseMs) } },
      ],
    },
    { $set: { state: 'sending', owner: claim, claimedAt: now, updatedAt: now } },
  );
  const owned = await collection.find({ _id: { $in: ids }, owner: claim, state: 'sending' }, { projection: { _id: 1, attempts: 1 } }).toArray();
  if (!owned.length) return outcome;

  const skipReasons = await consentFilter(deps, channel.id, owned.map((d) => byId.get(d._id)!));
  let pause: ChannelError | undefined;
  const results = await Promise.all(
    owned.map(async (delivery): Promise<[DeliveryRecord['_id'], number, Recipient, Result]> => {
      const recipient = byId.get(delivery._id)!;
      const skip = skipReasons.get(recipient.id);
      if (skip) return [delivery._id, delivery.attempts, recipient, { state: 'skipped', code: skip, message: 'no subscribe-message consent left' }];
      const result = await deps.throttle(channel.id).run(async (): Promise<Result> => {
        if (pause) return { state: 'released' };
        const started = performance.now();
        try {
          const sent = await channel.send(message, channel.perRecipient ? recipient : undefined);
          deps.metrics?.sendSeconds.observe({ channel: channel.id }, (performance.now() - started) / 1000);
          return { state: 'sent', externalId: sent.externalId };
        } catch (error) {
          const failure = error instanceof ChannelError ? error : new ChannelError(channel.id, 'exception', String(error), 'retry');
          if (failure.action === 'pause-channel') {
            pause ??= failure;
            return { state: 'released' };
          }
          return classify(failure, delivery.attempts + 1);
        }
      });
      return [delivery._id, delivery.attempts, recipient, result];
    }),
  );

  const ops: AnyBulkWriteOperation<DeliveryRecord>[] = [];
  const done = deps.now();
  for (const [_id, attempts, , result] of results) {
    if (result.state === 'released') {
      ops.push({ updateOne: { filter: { _id, owner: claim }, update: { $set: { state: 'queued', updatedAt: done }, $unset: { owner: '', claimedAt: '' } } } });
      continue;
    }
    outcome[result.state]++;
    deps.metrics?.deliveries.inc({ channel: channel.id, state: result.state });
    const set: Partial<DeliveryRecord> =
      result.state === 'sent'
        ? { state: 'sent', sentAt: done, ...(result.externalId ? { externalId: result.externalId } : {}) }
        : { state: result.state, code: result.code, message: result.message.slice(0, 500) };
    if (result.state === 'retry') set.nextAttemptAt = new Date(done.getTime() + backoffMs(attempts + 1, deps.random));
    ops.push({ updateOne: { filter: { _id, owner: claim }, update: { $set: { ...set, attempts: attempts + 1, updatedAt: done } } } });
  }
  if (ops.length) await collection.bulkWrite(ops, { ordered: false });
  await applyRecipientSideEffects(deps, channel.id, results.map(([, , recipient, result]) => ({ recipient, result })));
  if (pause) {
    deps.metrics?.quotaPauses.inc({ channel: channel.id });
    outcome.pausedUntil = new Date(done.getTime() + (pause.retryAfterMs ?? 60 * 60_000));
  }
  return outcome;
}

function classify(error: ChannelError, attempt: number): Result {
  const message = `${error.code}: ${error.message}`;
  if (error.action === 'skip-recipient') return { state: 'skipped', code: error.code, message };
  if (error.action === 'retry' && attempt < MAX_ATTEMPTS) return { state: 'retry', code: error.code, message };
  return { state: 'failed', code: error.code, message };
}

async function insertNew(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  agencyCode: string,
  recipients: Recipient[],
  now: Date,
): Promise<void> {
  const records: DeliveryRecord[] = recipients.map((r) => ({
    _id: deliveryId(message.key, channel.id, r.id),
    messageKey: message.key,
    disclosureId: message.disclosureId,
    agencyCode,
    channel: channel.id,
    recipientId: r.id,
    ...(r.address ? { address: r.address } : {}),
    state: 'queued',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  }));
  try {
    await deliveryCollection(deps.db).insertMany(records, { ordered: false });
  } catch (error) {
    // Records that exist already belong to an earlier run of this batch: keep them as they are.
    const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!list.length || list.some((e) => e.code !== 11000)) throw error;
  }
}
