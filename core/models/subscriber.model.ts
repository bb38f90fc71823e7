import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A resident known to one WeChat app (an official-account follower or a mini-program user). */
export interface SubscriberRecord {
  _id: Types.ObjectId;
  appId: string;
  openid: string;
  unionid?: string;
  kind: 'oa-follower' | 'mp-user';
  /** `invalid`: WeChat answered 40003 (bad openid); `unfollowed`: left the official account. */
  status: 'active' | 'unfollowed' | 'invalid';
  createdAt: Date;
  updatedAt: Date;
}

const subscriberSchema = new Schema<SubscriberRecord>(
  {
    appId: { type: String, required: true },
    openid: { type: String, required: true },
    unionid: { type: String },
    kind: { type: String, enum: ['oa-follower', 'mp-user'], required: true },
    status: { type: String, enum: ['active', 'unfollowed', 'invalid'], required: true, default: 'active' },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'subscribers', versionKey: false, strict: 'throw' },
);
subscriberSchema.index({ appId: 1, openid: 1 }, { unique: true });

export function subscriberModel(db: Connection): Model<SubscriberRecord> {
  return (db.models.Subscriber as Model<SubscriberRecord> | undefined) ?? db.model<SubscriberRecord>('Subscriber', subscriberSchema);
}

export function subscriberCollection(db: Connection): Collection<SubscriberRecord> {
  return subscriberModel(db).collection as unknown as Collection<SubscriberRecord>;
}
