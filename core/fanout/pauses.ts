import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { fanOutId } from '../models/fanout.model.ts';

/** A channel account the vendor told to stop (quota spent) and until when. One per account. */
export interface ChannelPause {
  /** The channel (account) id. */
  _id: string;
  until: Date;
  since: Date;
  /** The vendor's code and words, shown with the fan-outs it parked. */
  reason: string;
}

/** A fan-out waiting for its account's pause to end: no job, no lease, nothing polls it. */
export interface ParkedFanOut {
  /** The fan-out id (`${disclosureId}|${outboxKey}`). */
  _id: string;
  channel: string;
  disclosureId: string;
  outboxKey: string;
  since: Date;
}

export const channelPauses = (db: Connection) => db.collection('channel_pauses') as unknown as Collection<ChannelPause>;
export const parkedFanOuts = (db: Connection) => db.collection('parked_fanouts') as unknown as Collection<ParkedFanOut>;

/** The account's pause, when one is in force at `now` (a point read by id). */
export async function activePause(db: Connection, channel: string, now: Date): Promise<ChannelPause | undefined> {
  const pause = await channelPauses(db).findOne({ _id: channel });
  return pause && pause.until > now ? pause : undefined;
}

/** Records (or extends) the account's pause. */
export async function pauseChannel(db: Connection, channel: string, until: Date, reason: string, now: Date): Promise<void> {
  await channelPauses(db).updateOne({ _id: channel }, { $set: { until, reason }, $setOnInsert: { since: now } }, { upsert: true });
}

/**
 * Parks a fan-out until its account's pause ends. Returns false when the pause ended meanwhile:
 * the resume (which deletes the pause, then collects what is parked) may have collected before
 * this insert, so the caller goes on itself instead of waiting for a resume that already ran.
 */
export async function park(db: Connection, channel: string, disclosureId: string, outboxKey: string, now: Date): Promise<boolean> {
  const _id = fanOutId(disclosureId, outboxKey);
  await parkedFanOuts(db).updateOne({ _id }, { $setOnInsert: { channel, disclosureId, outboxKey, since: now } }, { upsert: true });
  if (await activePause(db, channel, now)) return true;
  await parkedFanOuts(db).deleteOne({ _id });
  return false;
}

/**
 * Ends the account's pause when it is over and hands back every fan-out it parked, for the
 * caller to start again. A pause that was extended meanwhile is left, with its new end.
 */
export async function endPause(db: Connection, channel: string, now: Date): Promise<{ extendedUntil?: Date; parked: ParkedFanOut[] }> {
  const pause = await channelPauses(db).findOne({ _id: channel });
  if (pause && pause.until > now) return { extendedUntil: pause.until, parked: [] };
  // First the pause, then the markers: a fan-out parking meanwhile sees the pause gone (see park).
  if (pause) await channelPauses(db).deleteOne({ _id: channel });
  // The parked collection holds only what waits, a few documents per paused account: scanned whole.
  const parked = (await parkedFanOuts(db).find({}).toArray()).filter((p) => p.channel === channel);
  for (const p of parked) await parkedFanOuts(db).deleteOne({ _id: p._id });
  return { parked };
}
