import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { deliveryCollection, type DeliveryRecord } from '../models/delivery.model.ts';
import { subscriberCollection } from '../models/subscriber.model.ts';
import { findSubscriber } from '../subscriptions/subscribers.ts';
import type { CallbackTaskFields } from './deferred.ts';
import { deactivateListedSubscriptions } from './follower-subscriptions.ts';
import type { CallbackDeps } from './handle-push.ts';
import type { DeliveryStatus, DeliveryStatusFields } from './store.ts';

/**
 * A follower left: template messages to them would fail (43004), so their subscriptions stop
 * matching. They are deactivated, not deleted: leaving is not 退订, and the records still show
 * why this follower stopped receiving. Done by `_id` (the key's list); the subscriptions the list
 * missed are switched off by the returned sweep, after the reply.
 */
export async function unfollow(deps: Pick<CallbackDeps, 'db' | 'appId' | 'now'>, openid: string): Promise<CallbackTaskFields | undefined> {
  const subscriber = await findSubscriber(deps.db, deps.appId, openid);
  if (!subscriber) return undefined;
  const now = deps.now();
  await subscriberCollection(deps.db).updateOne({ _id: subscriber._id }, { $set: { status: 'unfollowed', updatedAt: now } });
  await deactivateListedSubscriptions(deps.db, subscriber.key, now);
  return { kind: 'sweep-unfollowed', subscriberId: subscriber._id, keyId: subscriber.key._id };
}

/** TEMPLATESENDJOBFINISH `Status` (wechat.md §3.2; the spacing of the last one varies). */
export function deliveryStatusOf(status: string | undefined): DeliveryStatus {
  const s = (status ?? '').toLowerCase().replace(/\s+/g, '');
  if (s === 'success') return 'delivered';
  if (s === 'failed:userblock') return 'user-blocked';
  if (s === 'failed:systemfailed') return 'system-failed';
  return 'unknown';
}

/* Job-finish results (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) are recorded in job-results.ts. */

/** Sets the vendor's outcome on the OA delivery that carries this msgid; false when there is none. */
export async function setDeliveryStatus(db: Connection, msgId: string, deliveryStatus: DeliveryStatus, at: Date): Promise<boolean> {
  // The delivery model does not declare these fields (yet); the collection takes them as they are.
  const deliveries = deliveryCollection(db) as unknown as Collection<DeliveryRecord & DeliveryStatusFields>;
  const result = await deliveries.updateOne(
    { externalId: msgId, channel: 'wechat-oa' },
    { $set: { deliveryStatus, deliveryStatusAt: at, updatedAt: at } },
  );
  return result.matchedCount > 0;
}
