import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * What a mini-program user granted for one subscribe-message template
 * (wx.requestSubscribeMessage): one-time grants are counted, one send spends one;
 * long-term grants are not spent. `_id` is `${appId}:${openid}:${templateId}`.
 */
export interface ConsentRecord {
  _id: string;
  appId: string;
  openid: string;
  templateId: string;
  kind: 'one-time' | 'long-term';
  /** Unspent one-time grants. */
  remaining: number;
  /** The user rejected or banned the template, or WeChat answered 43101. */
  revoked: boolean;
  updatedAt: Date;
}

const consentSchema = new Schema<ConsentRecord>(
  {
    _id: { type: String },
    appId: { type: String, required: true },
    openid: { type: String, required: true },
    templateId: { type: String, required: true },
    kind: { type: String, enum: ['one-time', 'long-term'], required: true },
    remaining: { type: Number, required: true, default: 0 },
    revoked: { type: Boolean, required: true, default: false },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'consents', versionKey: false, strict: 'throw' },
);
consentSchema.index({ openid: 1 });

export const consentId = (appId: string, openid: string, templateId: string) => `${appId}:${openid}:${templateId}`;

export function consentModel(db: Connection): Model<ConsentRecord> {
  return (db.models.Consent as Model<ConsentRecord> | undefined) ?? db.model<ConsentRecord>('Consent', consentSchema);
}

export function consentCollection(db: Connection): Collection<ConsentRecord> {
  return consentModel(db).collection as unknown as Collection<ConsentRecord>;
}
