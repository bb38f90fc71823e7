import { Types } from 'mongoose';
import { deliveryCollection } from '../models/delivery.model.ts';
import { disclosureCollection, type DisclosureRecord } from '../models/disclosure.model.ts';
import { fanOutId } from '../models/fanout.model.ts';
import { deliverBatch, type BatchOutcome } from './deliver-batch.ts';
import type { FanOutDeps } from './deps.ts';
import { dropLease, takeLease, type HeldLease } from './lease.ts';
import { activePause, park, pauseChannel } from './pauses.ts';
import { buildMessage } from './message.ts';
import { parseOutboxKey } from './outbox-keys.ts';
import { recipientBatches } from './recipients.ts';

export interface FanOutResult {
  /** `parked`: its channel account is paused (vendor quota); the account's one resume job restarts it. */
  state: 'done' | 'busy' | 'scheduled' | 'parked' | 'gone';
  /** When the job should run again (backoff of retries), or when the account's pause ends. */
  runAt?: Date;
}

/**
 * Runs one public change on one channel to completion, or to the next point it must wait:
 * takes the fan-out's lease, streams recipients from the checkpoint, checkpoints after every
 * batch, retries what is due, and records where it stopped. Safe to run twice at once.
 */
export async function runFanOut(deps: FanOutDeps, disclosureId: string, key: string): Promise<FanOutResult> {
  const parsed = parseOutboxKey(key);
  if (!parsed || !Types.ObjectId.isValid(disclosureId)) return { state: 'gone' };
  const doc = await disclosureCollection(deps.db).findOne({ _id: new Types.ObjectId(disclosureId) });
  if (!doc?.outbox?.[key]) return { state: 'gone' };
  const lease = await takeLease(deps, fanOutId(disclosureId, key), { disclosureId, outboxKey: key });
  if (!lease) return { state: 'busy' };
  try {
    return await run(deps, doc, key, lease);
  } finally {
    await dropLease(deps, lease);
  }
}

async function run(deps: FanOutDeps, doc: DisclosureRecord, key: string, lease: HeldLease): Promise<FanOutResult> {
  const { change, channel: channelId } = parseOutboxKey(key)!;
  const channel = deps.channels.get(channelId);
  if (!channel) {
    deps.logger.info({ key, disclosureId: doc._id.toHexString() }, 'channel not configured in this worker');
    await lease.save({ state: 'done', finishedAt: deps.now() });
    return { state: 'done' };
  }
  const progress = lease.progress;
  // A paused account sends nothing: the fan-out waits, parked, for the account's resume.
  const pause = await activePause(deps.db, channel.id, deps.now());
  if (pause) {
    const parked = await parkFanOut(deps, doc, key, lease, pause.until, pause.reason);
    if (parked) return parked;
  }
  if (progress?.state === 'waiting' && !progress.reason && progress.resumeAt && progress.resumeAt > deps.now()) {
    return { state: 'scheduled', runAt: progress.resumeAt };
  }
  const message = buildMessage(doc, change, deps.site);
  let retryPending = progress?.retryPending ?? false;
  if (progress?.state !== 'done') {
    const delivered = await deliverAll(deps, channel, message, doc, key, lease);
    if (delivered.stopped) return delivered.stopped;
    retryPending ||= delivered.retryPending;
  }
  // The retry pass queries deliveries by state, a scan of the collection on FerretDB: skip it
  // when nothing asked for another attempt (an agency's retry re-runs a finished fan-out).
  const retrying = progress?.state === 'done' || retryPending;
  const due: { pausedUntil?: Date; pauseReason?: string; nextAt?: Date } = retrying ? await retryDue(deps, channel.id, message, doc.agencyCode, lease.takenAt) : {};
  if (due.pausedUntil) {
    await lease.save({ retryPending: true });
    const parked = await pausedByVendor(deps, doc, key, lease, due.pausedUntil, due.pauseReason ?? 'quota');
    if (parked) return parked;
  }
  if (due.nextAt) {
    await lease.save({ state: 'waiting', resumeAt: due.nextAt, retryPending: true });
    return { state: 'scheduled', runAt: due.nextAt };
  }
  await lease.save({ state: 'done', finishedAt: deps.now() }, ['resumeAt', 'retryPending', 'reason']);
  return { state: 'done' };
}

/**
 * Three batches in flight: while one batch's sends finish, the next is claimed and the previous
 * one's outcomes are written, so the database's latency hides behind the vendor's. Checkpoints
 * stay in order: a cursor is saved only once its batch and every batch before it are done.
 */
const PIPELINE_DEPTH = 3;

async function deliverAll(
  deps: FanOutDeps,
  channel: NonNullable<ReturnType<FanOutDeps['channels']['get']>>,
  message: ReturnType<typeof buildMessage>,
  doc: DisclosureRecord,
  key: string,
  lease: HeldLease,
): Promise<{ stopped?: FanOutResult; retryPending: boolean }> {
  let cursor = lease.progress?.cursor;
  let retryPending = false;
  const batches = recipientBatches(deps.db, channel.id, doc, cursor, {
    batchSize: deps.batchSize,
    webhooks: deps.webhooks,
    massTagId: deps.massTagId,
  });
  const window: { cursor: string; work: Promise<BatchOutcome> }[] = [];
  const drain = () => Promise.allSettled(window.splice(0).map((w) => w.work));
  const settleOldest = async (): Promise<FanOutResult | undefined> => {
    const head = window.shift()!;
    const outcome = await head.work;
    if (outcome.pausedUntil) {
      await drain();
      if (cursor) await lease.save({ cursor });
      return (await pausedByVendor(deps, doc, key, lease, outcome.pausedUntil, outcome.pauseReason ?? 'quota')) ?? { state: 'busy' };
    }
    cursor = head.cursor;
    if (outcome.retry) retryPending = true;
    // A worker whose lease was taken over stops; the new holder resumes from the checkpoint.
    if (!(await lease.stillHeld())) {
      await drain();
      return { state: 'busy' };
    }
    await lease.save({ cursor, ...(retryPending ? { retryPending: true } : {}) });
    await lease.renew();
    return undefined;
  };
  try {
    for await (const batch of batches) {
      const work = deliverBatch(deps, channel, message, doc.agencyCode, batch.recipients, lease.takenAt);
      // Awaited in order below; this only keeps a failure behind an earlier one from going unhandled.
      work.catch(() => undefined);
      window.push({ cursor: batch.cursor, work });
      if (window.length >= PIPELINE_DEPTH) {
        const stopped = await settleOldest();
        if (stopped) return { stopped, retryPending };
      }
    }
    while (window.length) {
      const stopped = await settleOldest();
      if (stopped) return { stopped, retryPending };
    }
    return { retryPending };
  } finally {
    await drain();
  }
}

/** Deliveries whose backoff has passed are sent again; the earliest future one sets the next run. */
async function retryDue(
  deps: FanOutDeps,
  channelId: string,
  message: ReturnType<typeof buildMessage>,
  agencyCode: string,
  leaseTakenAt: Date,
): Promise<{ pausedUntil?: Date; pauseReason?: string; nextAt?: Date }> {
  const deliveries = deliveryCollection(deps.db);
  const channel = deps.channels.get(channelId as never)!;
  const tried = new Set<string>();
  for (;;) {
    const due = (
      await deliveries
        .find({ messageKey: message.key, channel: channel.id, state: 'retry', nextAttemptAt: { $lte: deps.now() } })
        .limit(deps.batchSize)
        .toArray()
    ).filter((d) => !tried.has(d._id));
    if (!due.length) break;
    due.forEach((d) => tried.add(d._id));
    const outcome = await deliverBatch(deps, channel, message, agencyCode, due.map((d) => ({ id: d.recipientId, address: d.address ?? '' })), leaseTakenAt);
    if (outcome.pausedUntil) return { pausedUntil: outcome.pausedUntil, pauseReason: outcome.pauseReason };
  }
  const next = await deliveries
    .find({ messageKey: message.key, channel: channel.id, state: 'retry' }, { projection: { nextAttemptAt: 1 } })
    .sort({ nextAttemptAt: 1 })
    .limit(1)
    .next();
  return { nextAt: next?.nextAttemptAt };
}

/** The vendor said stop: the account is paused for everyone, and this fan-out parks. */
async function pausedByVendor(deps: FanOutDeps, doc: DisclosureRecord, key: string, lease: HeldLease, until: Date, reason: string) {
  const { channel } = parseOutboxKey(key)!;
  deps.logger.warn({ channel, until, reason }, 'vendor quota spent: channel paused');
  await pauseChannel(deps.db, channel, until, reason, deps.now());
  return parkFanOut(deps, doc, key, lease, until, reason);
}

/** Records why and until when the fan-out waits, then parks it; undefined when the pause is already over. */
async function parkFanOut(deps: FanOutDeps, doc: DisclosureRecord, key: string, lease: HeldLease, until: Date, reason: string): Promise<FanOutResult | undefined> {
  const { channel } = parseOutboxKey(key)!;
  await lease.save({ state: 'waiting', resumeAt: until, reason: `paused: ${reason}` });
  if (!(await park(deps.db, channel, doc._id.toHexString(), key, deps.now()))) return undefined;
  return { state: 'parked', runAt: until };
}
