import type { Collection } from 'mongodb';
import { Schema, type Model } from 'mongoose';
import type { Channel, OutgoingMessage, Recipient } from '../../channels/types.ts';
import { claimIds } from '../store/claims.ts';
import { deliveryCollection, deliveryId, type DeliveryRecord } from '../models/delivery.model.ts';
import type { FanOutDeps } from './deps.ts';

/** A delivery this worker may send now. */
export interface OwnedDelivery {
  _id: string;
  recipient: Recipient;
  /** The claim generation this worker holds (`${_id}#${gen}` in delivery_claims). */
  gen: number;
  attempts: number;
  /** Whether a delivery record exists: the outcome then updates it, otherwise inserts it. */
  recorded: boolean;
}

interface ClaimDoc {
  _id: string;
  delivery: string;
  gen: number;
  owner: string;
  at: Date;
}

const claimSchema = new Schema<ClaimDoc>(
  { _id: String, delivery: { type: String, required: true }, gen: Number, owner: String, at: Date },
  { collection: 'delivery_claims', versionKey: false },
);
// Looked up by delivery only when resuming after a crash or a pause.
claimSchema.index({ delivery: 1 });

export const deliveryClaims = (deps: Pick<FanOutDeps, 'db'>): Collection<ClaimDoc> =>
  ((deps.db.models.DeliveryClaim as Model<ClaimDoc> | undefined) ?? deps.db.model<ClaimDoc>('DeliveryClaim', claimSchema)).collection as unknown as Collection<ClaimDoc>;

const claimDoc = (deps: FanOutDeps, delivery: string, gen: number, at: Date): ClaimDoc => ({
  _id: `${delivery}#${gen}`,
  delivery,
  gen,
  owner: deps.workerId,
  at,
});

/**
 * Returns the deliveries of this batch that this worker now owns, deciding each by inserting a
 * claim `${delivery}#${gen}` (see core/claims.ts). The first attempt's claim is `#1` and no
 * delivery record exists until its outcome is known: on FerretDB an insert is cheap and an update
 * by `_id` scans the collection, so the common path (claim, send, insert the outcome) never updates.
 *
 * A delivery whose `#1` is already taken is looked at only then: a record due for another attempt
 * (retry, or released by a quota pause) or a claim whose holder went quiet for longer than the
 * lease (a worker that died mid-send) is claimed at the next generation.
 */
export async function claimDeliveries(
  deps: FanOutDeps,
  channel: Channel,
  message: OutgoingMessage,
  recipients: Recipient[],
  now: Date,
  leaseTakenAt?: Date,
): Promise<OwnedDelivery[]> {
  const byId = new Map(recipients.map((r) => [deliveryId(message.key, channel.id, r.id), r]));
  const first = await claimIds(deliveryClaims(deps), [...byId.keys()].map((id) => claimDoc(deps, id, 1, now)));
  const owned: OwnedDelivery[] = [];
  const others: string[] = [];
  for (const [_id, recipient] of byId) {
    if (first.has(`${_id}#1`)) owned.push({ _id, recipient, gen: 1, attempts: 0, recorded: false });
    else others.push(_id);
  }
  if (!others.length) return owned;

  // A fan-out lease is taken over only once its holder stopped renewing it: that holder's claims,
  // all older than the takeover, are presumed dead however recent, or their recipients would be
  // skipped as "in flight" and never sent.
  const stale = new Date(Math.max(now.getTime() - deps.leaseMs, leaseTakenAt?.getTime() ?? 0));
  const records = new Map(
    (
      await deliveryCollection(deps.db)
        .find({ _id: { $in: others } }, { projection: { state: 1, gen: 1, attempts: 1, claimedAt: 1, nextAttemptAt: 1 } })
        .toArray()
    ).map((d) => [d._id, d]),
  );
  const unrecorded = others.filter((id) => !records.has(id));
  const latestClaims = await latestClaimOf(deps, unrecorded);

  const candidates: { _id: string; gen: number; attempts: number; recorded: boolean }[] = [];
  for (const _id of others) {
    const record = records.get(_id);
    if (record) {
      if (dueAgain(record, now, stale)) candidates.push({ _id, gen: (record.gen ?? 1) + 1, attempts: record.attempts, recorded: true });
      continue;
    }
    // Claimed but no outcome: in flight elsewhere, unless its holder has been silent too long.
    const claim = latestClaims.get(_id);
    if (!claim) candidates.push({ _id, gen: 1, attempts: 0, recorded: false });
    else if (claim.at < stale) candidates.push({ _id, gen: claim.gen + 1, attempts: claim.gen, recorded: false });
  }
  const claimed = await claimIds(deliveryClaims(deps), candidates.map((c) => claimDoc(deps, c._id, c.gen, now)));
  for (const c of candidates) {
    if (claimed.has(`${c._id}#${c.gen}`)) owned.push({ ...c, recipient: byId.get(c._id)! });
  }
  return owned;
}

function dueAgain(record: Pick<DeliveryRecord, 'state' | 'nextAttemptAt' | 'claimedAt'>, now: Date, stale: Date): boolean {
  return (
    record.state === 'queued' ||
    (record.state === 'retry' && (!record.nextAttemptAt || record.nextAttemptAt <= now)) ||
    // Records written in state `sending` by earlier versions of this engine.
    (record.state === 'sending' && (!record.claimedAt || record.claimedAt < stale))
  );
}

async function latestClaimOf(deps: FanOutDeps, ids: string[]): Promise<Map<string, ClaimDoc>> {
  const latest = new Map<string, ClaimDoc>();
  if (!ids.length) return latest;
  for (const claim of await deliveryClaims(deps).find({ delivery: { $in: ids } }).toArray()) {
    const seen = latest.get(claim.delivery);
    if (!seen || claim.gen > seen.gen) latest.set(claim.delivery, claim);
  }
  return latest;
}

/**
 * Gives back claims whose send never started (the channel paused): the next run claims them
 * again at the same generation. A recorded delivery goes back to `queued` instead.
 */
export async function releaseDeliveries(deps: FanOutDeps, released: OwnedDelivery[], at: Date): Promise<void> {
  const unrecorded = released.filter((d) => !d.recorded);
  if (unrecorded.length) await deliveryClaims(deps).deleteMany({ _id: { $in: unrecorded.map((d) => `${d._id}#${d.gen}`) } });
  for (const d of released.filter((r) => r.recorded)) {
    await deliveryCollection(deps.db).updateOne({ _id: d._id }, { $set: { state: 'queued', updatedAt: at }, $unset: { owner: '', claimedAt: '' } });
  }
}
