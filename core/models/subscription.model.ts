import type { Collection } from 'mongodb';
import { Schema, Types, type Connection, type Model } from 'mongoose';

/** Stored for a filter that is not set: every filter is then one `$in: ['*', value]` match. */
export const ANY = '*';

export const SUBSCRIPTION_CHANNELS = ['wechat-oa', 'wechat-mp'] as const;
export type SubscriptionChannel = (typeof SUBSCRIPTION_CHANNELS)[number];

/**
 * One resident's wish to be told about matching disclosures on one channel. Filters are flat
 * top-level fields (FerretDB 1.x pushes down top-level equality best); unset ones hold ANY.
 */
export interface SubscriptionRecord {
  _id: Types.ObjectId;
  subscriberId: Types.ObjectId;
  channel: SubscriptionChannel;
  /** openid of the subscriber on that channel's app. */
  address: string;
  appId: string;
  field: string;
  itemType: string;
  /** A region prefix as stored in disclosures' regionPath (`11`, `1101`, `110105`). */
  region: string;
  agency: string;
  projectCode: string;
  /** 申请编号 followed ("follow my application"). */
  applicationNumber: string;
  /** Segmented keywords; all must occur in the disclosure's search tokens. Empty: no keyword filter. */
  keywords: string[];
  /** The keywords as the resident typed them, for display. */
  keywordText?: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const subscriptionSchema = new Schema<SubscriptionRecord>(
  {
    subscriberId: { type: Schema.Types.ObjectId, required: true, index: true },
    channel: { type: String, enum: SUBSCRIPTION_CHANNELS, required: true },
    address: { type: String, required: true },
    appId: { type: String, required: true },
    field: { type: String, required: true, default: ANY },
    itemType: { type: String, required: true, default: ANY },
    region: { type: String, required: true, default: ANY },
    agency: { type: String, required: true, default: ANY },
    projectCode: { type: String, required: true, default: ANY },
    applicationNumber: { type: String, required: true, default: ANY },
    keywords: { type: [String], default: [] },
    keywordText: { type: String },
    active: { type: Boolean, required: true, default: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'subscriptions', versionKey: false, strict: 'throw' },
);

subscriptionSchema.index({ applicationNumber: 1 });

export function subscriptionModel(db: Connection): Model<SubscriptionRecord> {
  return (db.models.Subscription as Model<SubscriptionRecord> | undefined) ?? db.model<SubscriptionRecord>('Subscription', subscriptionSchema);
}

export function subscriptionCollection(db: Connection): Collection<SubscriptionRecord> {
  return subscriptionModel(db).collection as unknown as Collection<SubscriptionRecord>;
}

export type SubscriptionFilters = Partial<
  Pick<SubscriptionRecord, 'field' | 'itemType' | 'region' | 'agency' | 'projectCode' | 'applicationNumber' | 'keywords' | 'keywordText'>
>;

/** A new active subscription: unset filters hold ANY. */
export function newSubscription(
  owner: Pick<SubscriptionRecord, 'subscriberId' | 'channel' | 'address' | 'appId'>,
  filters: SubscriptionFilters,
  now: Date,
): SubscriptionRecord {
  const _id = new Types.ObjectId();
  return {
    _id,
    ...owner,
    field: ANY,
    itemType: ANY,
    region: ANY,
    agency: ANY,
    projectCode: ANY,
    applicationNumber: ANY,
    keywords: [],
    ...filters,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
}
