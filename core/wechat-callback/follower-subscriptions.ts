import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db.ts';
import { regionPrefix } from '../disclosures/create.ts';
import { ANY, newSubscription, subscriptionCollection, type SubscriptionRecord } from '../models/subscription.model.ts';
import type { SubscriberRecord } from '../models/subscriber.model.ts';
import { subscriberKeys, type SubscriberKey } from '../subscriptions/subscriber-keys.ts';
import { MAX_SUBSCRIPTIONS, type SubscriptionInput } from '../subscriptions/subscriptions.ts';

/**
 * A follower's subscriptions as the callback reads and writes them: through the list on the
 * follower's key (subscriber-keys.ts), each subscription read, inserted, updated or deleted by
 * `_id`, so that no reply waits for a scan of `subscriptions`. What needs a scan (subscriptions
 * the list missed) is left to a sweep after the reply (deferred.ts).
 */

type Follower = Pick<SubscriberRecord, '_id' | 'appId' | 'openid'> & { key: SubscriberKey };

/** The filters an OA command or QR code sets, in the stored form; the others are ANY. */
function storedFilters(input: SubscriptionInput) {
  return {
    field: input.field ?? ANY,
    region: input.region ? regionPrefix(input.region) : ANY,
    applicationNumber: input.applicationNumber ?? ANY,
  };
}

/**
 * The id of the callback's subscription with these filters: the same command twice at once
 * (a double-tapped send, two MsgIds) inserts one subscription, the second insert losing on `_id`.
 */
export function callbackSubscriptionId(subscriberId: Types.ObjectId, input: SubscriptionInput): Types.ObjectId {
  const f = storedFilters(input);
  const digest = createHash('sha256').update(['wechat-oa', subscriberId.toHexString(), f.field, f.region, f.applicationNumber].join('\n')).digest();
  return new Types.ObjectId(digest.subarray(0, 12));
}

/** The follower's listed subscriptions that are still active, oldest first. */
export async function listedSubscriptions(db: Connection, key: SubscriberKey): Promise<SubscriptionRecord[]> {
  const subscriptions = subscriptionCollection(db);
  const found = await Promise.all((key.oaSubscriptionIds ?? []).map((_id) => subscriptions.findOne({ _id })));
  return found
    .filter((s): s is SubscriptionRecord => !!s && s.active && s.subscriberId.equals(key.subscriberId))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

const setListed = (db: Connection, key: SubscriberKey, ids: Types.ObjectId[]) =>
  subscriberKeys(db).updateOne({ _id: key._id }, { $set: { oaSubscriptionIds: ids } });

const sameFilters = (s: SubscriptionRecord, f: ReturnType<typeof storedFilters>) =>
  s.channel === 'wechat-oa' &&
  s.field === f.field &&
  s.region === f.region &&
  s.applicationNumber === f.applicationNumber &&
  s.itemType === ANY &&
  s.agency === ANY &&
  s.projectCode === ANY &&
  s.keywords.length === 0;

export type SubscribeOutcome = 'created' | 'already' | 'limit';

/** `订阅 …` or a subscribe QR code: the subscription exists and is active when this returns `created` or `already`. */
export async function subscribeFollower(db: Connection, follower: Follower, input: SubscriptionInput, now: Date): Promise<SubscribeOutcome> {
  const filters = storedFilters(input);
  const active = await listedSubscriptions(db, follower.key);
  if (active.some((s) => sameFilters(s, filters))) return 'already';
  const subscriptions = subscriptionCollection(db);
  const _id = callbackSubscriptionId(follower._id, input);
  const derived = await subscriptions.findOne({ _id });
  const listed = active.map((s) => s._id);
  if (derived?.active) {
    await setListed(db, follower.key, [...listed, _id]);
    return 'already';
  }
  if (active.length >= MAX_SUBSCRIPTIONS) return 'limit';
  if (derived) {
    // Switched off when the follower left (unfollow); following again and asking brings it back.
    await subscriptions.updateOne({ _id }, { $set: { active: true, address: follower.openid, updatedAt: now } });
  } else {
    const record = { ...newSubscription({ subscriberId: follower._id, channel: 'wechat-oa', address: follower.openid, appId: follower.appId }, filters, now), _id };
    try {
      await subscriptions.insertOne(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      await setListed(db, follower.key, [...listed, _id]);
      return 'already';
    }
  }
  await setListed(db, follower.key, [...listed, _id]);
  return 'created';
}

/** 退订: deletes the listed subscriptions now and returns how many; the sweep deletes any the list missed. */
export async function cancelListedSubscriptions(db: Connection, key: SubscriberKey): Promise<number> {
  const active = await listedSubscriptions(db, key);
  const subscriptions = subscriptionCollection(db);
  const deleted = await Promise.all(active.map(async (s) => (await subscriptions.deleteOne({ _id: s._id })).deletedCount));
  await setListed(db, key, []);
  return deleted.reduce((a, b) => a + b, 0);
}

/** The follower left: the listed subscriptions stop matching now; the sweep catches any the list missed. */
export async function deactivateListedSubscriptions(db: Connection, key: SubscriberKey, now: Date): Promise<void> {
  const active = await listedSubscriptions(db, key);
  const subscriptions = subscriptionCollection(db);
  await Promise.all(active.map((s) => subscriptions.updateOne({ _id: s._id }, { $set: { active: false, updatedAt: now } })));
  await setListed(db, key, []);
}
