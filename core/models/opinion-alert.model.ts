import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';

export const ALERT_STATUSES = ['open', 'tasked', 'dismissed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * A spike in volume or negative share, per disclosure or per agency, against its recent baseline.
 * `_id` is `${scope}:${subject}:${windowStart ISO}`: the detector may run any number of times (and
 * on several workers) and still opens one alert per window.
 */
export interface OpinionAlertRecord {
  _id: string;
  scope: 'disclosure' | 'agency';
  agencyCode: string;
  disclosureId?: string;
  windowStart: Date;
  windowEnd: Date;
  volume: number;
  negativeShare: number;
  baseline: { volume: number; negativeShare: number; windows: number };
  /** Why it fired, in words a press officer reads (Simplified Chinese). */
  reason: string;
  status: AlertStatus;
  openedAt: Date;
  taskId?: string;
  dismissedBy?: string;
  dismissedAt?: Date;
  /** Who first said they are looking into it; the status is unchanged by it. */
  acknowledgedBy?: string;
  acknowledgedAt?: Date;
  acknowledgeNote?: string;
}

const alertSchema = new Schema<OpinionAlertRecord>(
  {
    _id: { type: String },
    scope: { type: String, enum: ['disclosure', 'agency'], required: true },
    agencyCode: { type: String, required: true },
    disclosureId: { type: String },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
    volume: { type: Number, required: true },
    negativeShare: { type: Number, required: true },
    baseline: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, required: true },
    status: { type: String, enum: ALERT_STATUSES, required: true },
    openedAt: { type: Date, required: true },
    taskId: { type: String },
    dismissedBy: { type: String },
    dismissedAt: { type: Date },
    acknowledgedBy: { type: String },
    acknowledgedAt: { type: Date },
    acknowledgeNote: { type: String },
  },
  { collection: 'opinion_alerts', versionKey: false, strict: 'throw' },
);

alertSchema.index({ agencyCode: 1, status: 1, openedAt: -1 });

export function opinionAlertModel(db: Connection): Model<OpinionAlertRecord> {
  return (db.models.OpinionAlert as Model<OpinionAlertRecord> | undefined) ?? db.model<OpinionAlertRecord>('OpinionAlert', alertSchema);
}

export function opinionAlertCollection(db: Connection): Collection<OpinionAlertRecord> {
  return opinionAlertModel(db).collection as unknown as Collection<OpinionAlertRecord>;
}
