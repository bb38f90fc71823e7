import type { Connection } from 'mongoose';
import { NotFoundError } from '../errors.ts';
import { consentCollection } from '../models/consent.model.ts';
import { deliveryCollection } from '../models/delivery.model.ts';
import { subscriberCollection, type SubscriberRecord } from '../models/subscriber.model.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';
import { subscriberKeyId, subscriberKeys } from '../subscriptions/subscriber-keys.ts';
import { toSubscriptionView } from '../subscriptions/subscriptions.ts';
import { feedbackCollection } from './feedback.ts';

/** Everything gongkai holds about one resident (个人信息保护法 第四十五条: 查阅、复制). */
export async function exportPersonalData(db: Connection, subscriber: SubscriberRecord) {
  const [subscriptions, consents, feedback, deliveries] = await Promise.all([
    subscriptionCollection(db).find({ subscriberId: subscriber._id }).toArray(),
    consentCollection(db).find({ openid: subscriber.openid }).toArray(),
    feedbackCollection(db).find({ subscriberId: subscriber._id }).toArray(),
    deliveryCollection(db).find({ address: subscriber.openid }, { projection: { _id: 0, messageKey: 1, channel: 1, state: 1, sentAt: 1, createdAt: 1 } }).limit(10_000).toArray(),
  ]);
  return {
    exportedAt: new Date(),
    subscriber: { id: subscriber._id.toHexString(), appId: subscriber.appId, openid: subscriber.openid, unionid: subscriber.unionid, kind: subscriber.kind, status: subscriber.status, createdAt: subscriber.createdAt },
    subscriptions: subscriptions.map(toSubscriptionView),
    consents: consents.map(({ templateId, kind, remaining, revoked, updatedAt }) => ({ templateId, kind, remaining, revoked, updatedAt })),
    feedback: feedback.map(({ disclosureId, text, createdAt }) => ({ disclosureId, text, createdAt })),
    deliveries,
  };
}

/**
 * Deletes the resident and everything tied to them (第四十七条: 删除). Delivery records that
 * name their openid go too: their counts stay in the metrics, the person does not.
 */
export async function deletePersonalData(db: Connection, subscriber: SubscriberRecord) {
  const [subscriptions, consents, feedback, deliveries] = await Promise.all([
    subscriptionCollection(db).deleteMany({ subscriberId: subscriber._id }),
    consentCollection(db).deleteMany({ openid: subscriber.openid }),
    feedbackCollection(db).deleteMany({ subscriberId: subscriber._id }),
    deliveryCollection(db).deleteMany({ address: subscriber.openid }),
  ]);
  const removed = await subscriberCollection(db).deleteOne({ _id: subscriber._id });
  if (!removed.deletedCount) throw new NotFoundError('no such resident');
  // The key names the openid too.
  await subscriberKeys(db).deleteOne({ _id: subscriberKeyId(subscriber.appId, subscriber.openid) });
  return {
    subscriptions: subscriptions.deletedCount,
    consents: consents.deletedCount,
    feedback: feedback.deletedCount,
    deliveries: deliveries.deletedCount,
  };
}
