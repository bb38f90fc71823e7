import { Types, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db.ts';
import { subscriberCollection, type SubscriberRecord } from '../models/subscriber.model.ts';
import { claimIds } from '../store/claims.ts';
import { findSubscriberKey, subscriberKeyId, subscriberKeys, type SubscriberKey } from './subscriber-keys.ts';

/**
 * The subscriber for an openid of an app, created on first sight, with `_id` lookups and
 * inserts only (see subscriber-keys.ts). Inserting the key decides between two first requests
 * at once: the loser takes the winner's subscriber id.
 */
export async function upsertSubscriber(
  db: Connection,
  input: { appId: string; openid: string; unionid?: string; kind: SubscriberRecord['kind'] },
  now = new Date(),
): Promise<SubscriberRecord & { key: SubscriberKey }> {
  const collection = subscriberCollection(db);
  let key = await findSubscriberKey(db, input.appId, input.openid);
  if (!key) {
    const _id = subscriberKeyId(input.appId, input.openid);
    await claimIds(subscriberKeys(db), [{ _id, subscriberId: new Types.ObjectId() }]);
    key = await subscriberKeys(db).findOne({ _id });
    if (!key) throw new Error(`subscriber key ${_id} vanished`);
  }
  const existing = await collection.findOne({ _id: key.subscriberId });
  if (existing) {
    if (existing.status !== 'active' || (input.unionid && existing.unionid !== input.unionid)) {
      const set = { status: 'active' as const, updatedAt: now, ...(input.unionid ? { unionid: input.unionid } : {}) };
      await collection.updateOne({ _id: existing._id }, { $set: set });
      return { ...existing, ...set, key };
    }
    return { ...existing, key };
  }
  // New, or deleted (personal data) and back: the key keeps the id.
  const record: SubscriberRecord = {
    _id: key.subscriberId,
    appId: input.appId,
    openid: input.openid,
    ...(input.unionid ? { unionid: input.unionid } : {}),
    kind: input.kind,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  try {
    await collection.insertOne(record);
    return { ...record, key };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await collection.findOne({ _id: key.subscriberId });
    if (!winner) throw error;
    return { ...winner, key };
  }
}

/** The subscriber of (appId, openid), with its key; null when there is none. */
export async function findSubscriber(db: Connection, appId: string, openid: string): Promise<(SubscriberRecord & { key: SubscriberKey }) | null> {
  const key = await findSubscriberKey(db, appId, openid);
  if (!key) return null;
  const subscriber = await subscriberCollection(db).findOne({ _id: key.subscriberId });
  return subscriber ? { ...subscriber, key } : null;
}
