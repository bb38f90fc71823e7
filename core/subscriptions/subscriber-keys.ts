import type { Collection } from 'mongodb';
import type { Connection, Types } from 'mongoose';
import { claimIds } from '../store/claims.ts';
import { subscriberCollection } from '../models/subscriber.model.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';

/**
 * A subscriber found by its (appId, openid) with `_id` lookups only. FerretDB 1.x decodes the
 * whole `subscribers` collection for `{appId, openid}` (only a lone `_id` equality is an index
 * lookup), which made the official account's callback miss WeChat's 5 s deadline once a few
 * thousand followers were stored. The key is written when the subscriber is created and never
 * changes, so a retried or concurrent first contact finds the same subscriber.
 */
export interface SubscriberKey {
  /** `<appId>:<openid>`. */
  _id: string;
  subscriberId: Types.ObjectId;
  /**
   * The follower's active `wechat-oa` subscriptions, as the callback made them, so that 订阅,
   * 我的订阅 and 退订 read them by `_id` instead of scanning `subscriptions`. Updated by whole
   * value after each change; FerretDB 1.x does not isolate concurrent updates of one document, so
   * two commands of one follower in the same instant can lose an entry: the subscription still
   * exists and matches, and 退订 and unfollowing still reach it through their follow-up sweep.
   */
  oaSubscriptionIds?: Types.ObjectId[];
}

/** Marks the keys of every subscriber created before keys existed as written. */
export const BACKFILL_MARKER = '#backfill-v1';

export const subscriberKeys = (db: Connection) => db.collection('subscriber_keys') as unknown as Collection<SubscriberKey>;

export const subscriberKeyId = (appId: string, openid: string) => `${appId}:${openid}`;

/**
 * The key of (appId, openid); null when the subscriber does not exist. Before the backfill has
 * run (a database from before keys), a missing key falls back to the old scan once and writes
 * the key it finds.
 */
export async function findSubscriberKey(db: Connection, appId: string, openid: string): Promise<SubscriberKey | null> {
  const keys = subscriberKeys(db);
  const _id = subscriberKeyId(appId, openid);
  const key = await keys.findOne({ _id });
  if (key) return key;
  if (await keys.findOne({ _id: BACKFILL_MARKER })) return null;
  const legacy = await subscriberCollection(db).findOne({ appId, openid }, { projection: { _id: 1 } });
  if (!legacy) return null;
  const listed = await subscriptionCollection(db)
    .find({ subscriberId: legacy._id, channel: 'wechat-oa', active: true }, { projection: { _id: 1 } })
    .toArray();
  await claimIds(keys, [{ _id, subscriberId: legacy._id, oaSubscriptionIds: listed.map((s) => s._id) }]);
  return keys.findOne({ _id });
}

/**
 * Writes the keys of subscribers created before keys existed, with their active `wechat-oa`
 * subscriptions, then the marker that lets a missing key mean "no such subscriber". Two scans,
 * once per database; idempotent (keys are inserted, never overwritten). Returns the keys written.
 */
export async function backfillSubscriberKeys(db: Connection): Promise<number> {
  const keys = subscriberKeys(db);
  if (await keys.findOne({ _id: BACKFILL_MARKER })) return 0;
  const oaSubscriptions = new Map<string, Types.ObjectId[]>();
  const active = subscriptionCollection(db).find({ channel: 'wechat-oa', active: true }, { projection: { _id: 1, subscriberId: 1 } });
  for await (const s of active) {
    const list = oaSubscriptions.get(s.subscriberId.toHexString()) ?? [];
    list.push(s._id);
    oaSubscriptions.set(s.subscriberId.toHexString(), list);
  }
  let written = 0;
  let batch: SubscriberKey[] = [];
  const flush = async () => {
    written += (await claimIds(keys, batch)).size;
    batch = [];
  };
  for await (const s of subscriberCollection(db).find({}, { projection: { _id: 1, appId: 1, openid: 1 } })) {
    const ids = oaSubscriptions.get(s._id.toHexString());
    batch.push({ _id: subscriberKeyId(s.appId, s.openid), subscriberId: s._id, ...(ids ? { oaSubscriptionIds: ids } : {}) });
    if (batch.length >= 1000) await flush();
  }
  await flush();
  await claimIds(db.collection<{ _id: string; at: Date }>('subscriber_keys'), [{ _id: BACKFILL_MARKER, at: new Date() }]);
  return written;
}
