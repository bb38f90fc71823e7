import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import type { ChannelId } from '../../channels/types.ts';
import type { ChannelMode } from '../config-channels.ts';

/** See core/GLOSSARY.md: sent means accepted by the vendor, not read by the resident. */
export const DELIVERY_STATES = ['queued', 'sending', 'sent', 'retry', 'failed', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * One message to one recipient on one channel. `_id` is `${messageKey}|${channel}|${recipientId}`:
 * unique by construction, so however many workers or retries, a recipient has one record.
 */
export interface DeliveryRecord {
  _id: string;
  messageKey: string;
  disclosureId: string;
  agencyCode: string;
  channel: ChannelId;
  /**
   * The account's mode the send went through. Only `live` reaches the public; records written
   * before modes existed have none (reported apart as `unrecordedMode`).
   */
  mode?: ChannelMode;
  recipientId: string;
  address?: string;
  state: DeliveryState;
  attempts: number;
  code?: string;
  message?: string;
  externalId?: string;
  /** Claim generation: the record's insert is 1, each later claim inserts `${_id}#${gen}`. */
  gen?: number;
  owner?: string;
  claimedAt?: Date;
  nextAttemptAt?: Date;
  sentAt?: Date;
  /** What WeChat reported later (TEMPLATESENDJOBFINISH): sent ≠ delivered. */
  deliveryStatus?: 'delivered' | 'user-blocked' | 'system-failed' | 'unknown';
  deliveryStatusAt?: Date;
  /** A broadcast's MASSSENDJOBFINISH: how many followers WeChat addressed, kept after its filter (4 a month), reached. */
  massResult?: { status: string; totalCount: number; filterCount: number; sentCount: number; errorCount: number; at: Date };
  createdAt: Date;
  updatedAt: Date;
}

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String },
    messageKey: { type: String, required: true },
    disclosureId: { type: String, required: true },
    agencyCode: { type: String, required: true },
    channel: { type: String, required: true },
    mode: { type: String, enum: ['live', 'sandbox', 'off'] },
    recipientId: { type: String, required: true },
    address: { type: String },
    state: { type: String, enum: DELIVERY_STATES, required: true },
    attempts: { type: Number, required: true },
    code: { type: String },
    message: { type: String },
    externalId: { type: String },
    gen: { type: Number },
    owner: { type: String },
    claimedAt: { type: Date },
    nextAttemptAt: { type: Date },
    sentAt: { type: Date },
    deliveryStatus: { type: String },
    deliveryStatusAt: { type: Date },
    massResult: { type: Schema.Types.Mixed },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'deliveries', versionKey: false, strict: 'throw' },
);
deliverySchema.index({ disclosureId: 1, channel: 1, state: 1 });
deliverySchema.index({ messageKey: 1, channel: 1, state: 1 });
deliverySchema.index({ externalId: 1 });

export const deliveryId = (messageKey: string, channel: ChannelId, recipientId: string) => `${messageKey}|${channel}|${recipientId}`;

export function deliveryModel(db: Connection): Model<DeliveryRecord> {
  return (db.models.Delivery as Model<DeliveryRecord> | undefined) ?? db.model<DeliveryRecord>('Delivery', deliverySchema);
}

export function deliveryCollection(db: Connection): Collection<DeliveryRecord> {
  return deliveryModel(db).collection as unknown as Collection<DeliveryRecord>;
}
