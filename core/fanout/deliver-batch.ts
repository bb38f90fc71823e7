import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { claimIds } from '../claims.ts';
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
 * Delivers one message to a batch of recipients: claims the deliveries still to send (see
 * claimDeliveries), sends through the channel's throttle, then records every outcome.
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
  const now = deps.now();
  const byId = new Map(recipients.map((r) => [deliveryId(message.key, channel.id, r.id), r]));
  const owned = await claimDeliveries(deps, channel, message, agencyCode, recipients, now);
  if (!owned.length) return outcome;
  const collection = deliveryCollection(deps.db);

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
      ops.push({ updateOne: { filter: { _id }, update: { $set: { state: 'queued', updatedAt: done }, $unset: { owner: '', claimedAt: '' } } } });
      continue;
    }
    outcome[result.state]++;
    deps.metrics?.deliveries.inc({ channel: channel.id, state: result.state });
    const set: Partial<DeliveryRecord> =
      result.state === 'sent'
        ? { state: 'sent', sentAt: done, ...(result.externalId ? { externalId: result.externalId } : {}) }
        : { state: result.state, code: result.code, message: result.message.slice(0, 500) };
    if (result.state === 'retry') set.nextAttemptAt = new Date(done.getTime() + backoffMs(attempts + 1, deps.random));
    ops.push({ updateOne: { filter: { _id }, update: { $set: { ...set, attempts: attempts + 1, updatedAt: done } } } });
  }
  // FerretDB 1.24 holds a pooled connection per statement until an update command ends, and
  // hangs at 100 statements on SQLite (50 on PostgreSQL): keep each command well below that.
  for (let i = 0; i < ops.length; i += BULK_CHUNK) await collection.bulkWrite(ops.slice(i, i + BULK_CHUNK), { ordered: false });
  await applyRecipientSideEffects(deps, channel.id, results.map(([, , recipient, result]) => ({ recipient, result })));
  if (pause) {
    deps.metrics?.quotaPauses.inc({ channel: channel.id });
    outcome.pausedUntil = new Date(done.getTime() + (pause.retryAfterMs ?? 60 * 60_000));
  }
  return outcome;
}

const BULK_CHUNK = 40;

function classify(error: ChannelError, attempt: number): Result {
  const message = `${error.code}: ${error.message}`;
  if (error.action === 'skip-recipient') return { state: 'skipped', code: error.code, message };
  if (error.action === 'retry' && attempt < MAX_ATTEMPTS) return { state: 'retry', code: error.code, message };
  return { state: 'failed', code: error.code, message };
}

/**
 * Returns the deliveries of this batch that this worker now owns. A new record is created in
 * state `sending` by its insert, which is the claim; a record left by an earlier run (released by
 * a pause, due for retry, or held by a worker that died) is claimed by inserting its next
 * generation's key into `delivery_claims` (see core/claims.ts). Nobody else writes an owned record.
 */
async function claimDeliveries(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  agencyCode: string,
  recipients: Recipient[],
  now: Date,
): Promise<Pick<DeliveryRecord, '_id' | 'attempts'>[]> {
  const collection = deliveryCollection(deps.db);
  const records = new Map<string, DeliveryRecord>();
  for (const r of recipients) {
    const _id = deliveryId(message.key, channel.id, r.id);
    records.set(_id, {
      _id,
      messageKey: message.key,
      disclosureId: message.disclosureId,
      agencyCode,
      channel: channel.id,
      recipientId: r.id,
      ...(r.address ? { address: r.address } : {}),
      state: 'sending',
      attempts: 0,
      gen: 1,
      owner: deps.workerId,
      claimedAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }
  const created = await claimIds(collection, [...records.values()]);
  const others = [...records.keys()].filter((id) => !created.has(id));
  const owned: Pick<DeliveryRecord, '_id' | 'attempts'>[] = [...created].map((_id) => ({ _id, attempts: 0 }));
  if (!others.length) return owned;

  const stale = new Date(now.getTime() - deps.leaseMs);
  const existing = await collection.find({ _id: { $in: others } }, { projection: { state: 1, gen: 1, attempts: 1, claimedAt: 1, nextAttemptAt: 1 } }).toArray();
  const eligible = existing.filter(
    (d) =>
      d.state === 'queued' ||
      (d.state === 'retry' && (!d.nextAttemptAt || d.nextAttemptAt <= now)) ||
      (d.state === 'sending' && (!d.claimedAt || d.claimedAt < stale)),
  );
  const claims = await claimIds(
    deliveryClaims(deps),
    eligible.map((d) => ({ _id: `${d._id}#${(d.gen ?? 1) + 1}`, owner: deps.workerId, at: now })),
  );
  for (const d of eligible) {
    const gen = (d.gen ?? 1) + 1;
    if (!claims.has(`${d._id}#${gen}`)) continue;
    await collection.updateOne({ _id: d._id }, { $set: { state: 'sending', gen, owner: deps.workerId, claimedAt: now, updatedAt: now } });
    owned.push({ _id: d._id, attempts: d.attempts });
  }
  return owned;
}

const deliveryClaims = (deps: FanOutDeps) =>
  deps.db.collection('delivery_claims') as unknown as Collection<{ _id: string; owner: string; at: Date }>;
