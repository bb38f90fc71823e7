import type { AnyBulkWriteOperation } from 'mongodb';
import { claimIds } from '../store/claims.ts';
import { chunkedBulkWrite } from '../store/scan.ts';
import { ChannelError, type Channel, type ChannelId, type OutgoingMessage, type Recipient } from '../../channels/types.ts';
import type { ChannelMode } from '../config-channels.ts';
import { deliveryCollection, type DeliveryRecord } from '../models/delivery.model.ts';
import { backoffMs, MAX_ATTEMPTS } from './backoff.ts';
import { claimDeliveries, releaseDeliveries, type OwnedDelivery } from './delivery-claims.ts';
import type { FanOutDeps } from './deps.ts';
import { applyRecipientSideEffects, consentFilter } from './recipient-effects.ts';

export interface BatchOutcome {
  sent: number;
  skipped: number;
  retry: number;
  failed: number;
  /** Set when the vendor said to stop (quota): resume after this time. */
  pausedUntil?: Date;
  /** The vendor's code and words for the pause. */
  pauseReason?: string;
}

type Result =
  | { state: 'sent'; externalId?: string }
  | { state: 'skipped' | 'failed' | 'retry'; code: string; message: string }
  | { state: 'released' };

/**
 * Delivers one message to a batch of recipients: claims the deliveries still to send (see
 * delivery-claims.ts), sends through the channel's throttle, then records every outcome.
 */
export async function deliverBatch(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  agencyCode: string,
  recipients: Recipient[],
  /** When the caller's fan-out lease was taken (see claimDeliveries). */
  leaseTakenAt?: Date,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { sent: 0, skipped: 0, retry: 0, failed: 0 };
  if (!recipients.length) return outcome;
  const owned = await claimDeliveries(deps, channel, message, recipients, deps.now(), leaseTakenAt);
  if (!owned.length) return outcome;

  const skipReasons = await consentFilter(deps, channel.id, owned.map((d) => d.recipient));
  let pause: ChannelError | undefined;
  const results = await Promise.all(
    owned.map(async (delivery): Promise<[OwnedDelivery, Result]> => {
      const skip = skipReasons.get(delivery.recipient.id);
      if (skip) return [delivery, { state: 'skipped', code: skip, message: 'no subscribe-message consent left' }];
      const result = await deps.throttle(channel.id).run(async (): Promise<Result> => {
        if (pause) return { state: 'released' };
        const started = performance.now();
        try {
          const sent = await channel.send(message, channel.perRecipient ? delivery.recipient : undefined);
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
      return [delivery, result];
    }),
  );

  const done = deps.now();
  const released: OwnedDelivery[] = [];
  const outcomes: [OwnedDelivery, Exclude<Result, { state: 'released' }>][] = [];
  for (const [delivery, result] of results) {
    if (result.state === 'released') released.push(delivery);
    else {
      outcomes.push([delivery, result]);
      outcome[result.state]++;
      deps.metrics?.deliveries.inc({ channel: channel.id, state: result.state, mode: modeOf(deps, channel.id) });
    }
  }
  await recordOutcomes(deps, channel, message, agencyCode, outcomes, done);
  await releaseDeliveries(deps, released, done);
  await applyRecipientSideEffects(deps, channel.id, results.map(([delivery, result]) => ({ recipient: delivery.recipient, result })));
  if (pause) {
    deps.metrics?.quotaPauses.inc({ channel: channel.id });
    outcome.pausedUntil = new Date(done.getTime() + (pause.retryAfterMs ?? 60 * 60_000));
    outcome.pauseReason = `${pause.code} ${pause.message}`.slice(0, 300);
  }
  return outcome;
}

/**
 * First outcomes are inserted as the delivery record; later attempts update the record they
 * found. The insert can only collide with a holder of an older claim that outlived its lease
 * (both sent: the documented in-flight duplicate); the newer generation's outcome then wins.
 */
async function recordOutcomes(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  agencyCode: string,
  outcomes: [OwnedDelivery, Exclude<Result, { state: 'released' }>][],
  done: Date,
): Promise<void> {
  const collection = deliveryCollection(deps.db);
  const fields = ([delivery, result]: (typeof outcomes)[number]): Partial<DeliveryRecord> => {
    const set: Partial<DeliveryRecord> =
      result.state === 'sent'
        ? { state: 'sent', sentAt: done, ...(result.externalId ? { externalId: result.externalId } : {}) }
        : { state: result.state, code: result.code, message: result.message.slice(0, 500) };
    if (result.state === 'retry') set.nextAttemptAt = new Date(done.getTime() + backoffMs(delivery.attempts + 1, deps.random));
    return { ...set, attempts: delivery.attempts + 1, gen: delivery.gen, owner: deps.workerId, claimedAt: done, updatedAt: done };
  };
  const fresh = outcomes.filter(([d]) => !d.recorded);
  const inserted = await claimIds(
    collection,
    fresh.map((o) => ({
      _id: o[0]._id,
      messageKey: message.key,
      disclosureId: message.disclosureId,
      agencyCode,
      channel: channel.id,
      mode: modeOf(deps, channel.id),
      recipientId: o[0].recipient.id,
      ...(o[0].recipient.address ? { address: o[0].recipient.address } : {}),
      createdAt: done,
      ...fields(o),
    }) as DeliveryRecord),
  );
  const updates = outcomes.filter(([d]) => d.recorded || !inserted.has(d._id));
  const ops: AnyBulkWriteOperation<DeliveryRecord>[] = updates.map((o) => ({
    updateOne: { filter: { _id: o[0]._id }, update: { $set: fields(o) } },
  }));
  await chunkedBulkWrite(collection, ops);
}

function classify(error: ChannelError, attempt: number): Result {
  const message = `${error.code}: ${error.message}`;
  if (error.action === 'skip-recipient') return { state: 'skipped', code: error.code, message };
  if (error.action === 'retry' && attempt < MAX_ATTEMPTS) return { state: 'retry', code: error.code, message };
  return { state: 'failed', code: error.code, message };
}

/** The account mode of a wired channel; a channel wired without one is a wiring bug, not a guess. */
function modeOf(deps: FanOutDeps, channel: ChannelId): ChannelMode {
  const mode = deps.modes.get(channel);
  if (!mode) throw new Error(`channel ${channel} has no account mode`);
  return mode;
}
