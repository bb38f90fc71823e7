import { Types, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db.ts';
import { subscriberCollection, type SubscriberRecord } from '../models/subscriber.model.ts';

/**
 * The subscriber for an openid of an app, created on first sight. The unique (appId, openid)
 * index decides between two first requests at once; the loser reads the winner's record.
 */
export async function upsertSubscriber(
  db: Connection,
  input: { appId: string; openid: string; unionid?: string; kind: SubscriberRecord['kind'] },
  now = new Date(),
): Promise<SubscriberRecord> {
  const collection = subscriberCollection(db);
  const existing = await collection.findOne({ appId: input.appId, openid: input.openid });
  if (existing) {
    if (existing.status !== 'active' || (input.unionid && existing.unionid !== input.unionid)) {
      const set = { status: 'active' as const, updatedAt: now, ...(input.unionid ? { unionid: input.unionid } : {}) };
      await collection.updateOne({ _id: existing._id }, { $set: set });
      return { ...existing, ...set };
    }
    return existing;
  }
  const record: SubscriberRecord = {
    _id: new Types.ObjectId(),
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
    return record;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await collection.findOne({ appId: input.appId, openid: input.openid });
    if (!winner) throw error;
    return winner;
  }
}

export async function findSubscriber(db: Connection, appId: string, openid: string): Promise<SubscriberRecord | null> {
  return subscriberCollection(db).findOne({ appId, openid });
}
