import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { deliveryCollection, deliveryId, type DeliveryRecord } from '../models/delivery.model.ts';
import { fanOutCollection } from '../models/fanout.model.ts';
import { messageKey, parseOutboxKey } from '../fanout/outbox-keys.ts';

/**
 * How far a delivery's `sentAt` (when its batch was recorded) may be from the push's
 * CreateTime (when WeChat finished the send, seconds after accepting it).
 */
export const SENT_WINDOW_MS = 2 * 60_000;
/** A send at time t belongs to a fan-out that was still writing its progress at t. */
const FANOUT_RECENT_MS = 15 * 60_000;

export type ZeroMsgIdMatch =
  | { kind: 'matched'; deliveryId: string }
  /** Not decidable yet: no sent record fits, or a send to this follower may still be in flight. */
  | { kind: 'wait' }
  /** Several sent records fit: none is chosen. */
  | { kind: 'ambiguous'; candidates: number };

/**
 * The delivery a TEMPLATESENDJOBFINISH without a usable MsgID (0, reported when client_msg_id
 * was set) belongs to. What identifies a template send besides its msgid is the follower and
 * the change: gongkai sends each change to each follower once (its client_msg_id is
 * stableId(messageKey, recipient) and the delivery `_id` is `${messageKey}|wechat-oa|${openid}`).
 * So the candidates are the follower's deliveries of the OA fan-outs active around CreateTime,
 * found by `_id`. Exactly one sent, not yet reported, within SENT_WINDOW_MS, and no other send
 * to the follower still in flight: that one. Several: ambiguous, never guessed.
 */
export async function matchWithoutMsgId(db: Connection, openid: string, finishedAt: Date): Promise<ZeroMsgIdMatch> {
  const since = new Date(finishedAt.getTime() - FANOUT_RECENT_MS);
  const fanOuts = (await fanOutCollection(db).find({ updatedAt: { $gte: since } }, { projection: { disclosureId: 1, outboxKey: 1, state: 1 } }).toArray())
    .map((f) => ({ ...f, parsed: parseOutboxKey(f.outboxKey) }))
    .filter((f) => f.parsed?.channel === 'wechat-oa');
  if (!fanOuts.length) return { kind: 'wait' };
  const ids = fanOuts.map((f) => deliveryId(messageKey(f.disclosureId, f.parsed!.change), 'wechat-oa', openid));
  const deliveries = deliveryCollection(db) as unknown as Collection<DeliveryRecord>;
  const records = new Map((await deliveries.find({ _id: { $in: ids } }).toArray()).map((d) => [d._id, d]));
  const fitting: string[] = [];
  let unsettled = 0;
  fanOuts.forEach((fanOut, i) => {
    const record = records.get(ids[i]!);
    if (record?.state === 'sent') {
      const near = record.sentAt && Math.abs(record.sentAt.getTime() - finishedAt.getTime()) <= SENT_WINDOW_MS;
      if (near && !record.deliveryStatus) fitting.push(record._id);
    } else if (record ? ['queued', 'sending', 'retry'].includes(record.state) : fanOut.state !== 'done') {
      // A send to this follower may be under way (or its record not written yet): it could be the one.
      unsettled++;
    }
  });
  if (fitting.length > 1) return { kind: 'ambiguous', candidates: fitting.length };
  if (fitting.length === 1 && !unsettled) return { kind: 'matched', deliveryId: fitting[0]! };
  return { kind: 'wait' };
}
