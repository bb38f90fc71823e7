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
  /** Which of the BUCKETS it is read in by the fan-out; see subscriptionBucket. */
  bucket: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The fan-out reads a channel's subscriptions one bucket at a time, by equality on `bucket`.
 * FerretDB 1.x pushes equality on strings down to its storage but not `$gt`, so paging by
 * `_id > last` would rescan the whole collection for every page (quadratic at a million
 * subscribers); one equality query per bucket reads each subscription once. Sixteen buckets keep
 * a small fan-out to sixteen queries and a bucket of a million subscribers to ~60k small rows.
 */
export const BUCKETS = Array.from({ length: 16 }, (_, i) => i.toString(16));

/** The last hex digit of an ObjectId is its counter's: evenly spread. */
export const subscriptionBucket = (id: Types.ObjectId) => id.toHexString().slice(-1);

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
    bucket: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'subscriptions', versionKey: false, strict: 'throw' },
);

// The fan-out streams a channel's active subscriptions in _id order, resuming after a checkpoint.
subscriptionSchema.index({ channel: 1, active: 1, _id: 1 });
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

/** A new active subscription: unset filters hold ANY, the bucket follows from the id. */
export function newSubscription(
  owner: Pick<SubscriptionRecord, 'subscriberId' | 'channel' | 'address' | 'appId'>,
  filters: SubscriptionFilters,
  now: Date,
): SubscriptionRecord {
  const _id = new Types.ObjectId();
  return {
    _id,
    bucket: subscriptionBucket(_id),
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
