import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';

/** Where a public reaction was found. External ids are unique within a source. */
export const REACTION_SOURCES = ['weibo-comment', 'weibo-repost', 'weibo-mention', 'wechat-oa', 'miniprogram', 'manual'] as const;
export type ReactionSource = (typeof REACTION_SOURCES)[number];

export const SENTIMENT_LABELS = ['neg', 'neu', 'pos'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/**
 * One public reaction to an agency's disclosure (or to the agency when no item is named).
 * `_id` is `${source}:${externalId}`, so re-collecting an item is a duplicate-key no-op: an
 * insert is the unit of idempotence, as everywhere else on FerretDB (see core/claims.ts).
 */
export interface ReactionRecord {
  _id: string;
  source: ReactionSource;
  externalId: string;
  agencyCode: string;
  disclosureId?: string;
  /** For Weibo items, the status of ours they react to. */
  statusId?: string;
  text: string;
  /** Pseudonymous (HMAC of the platform id) unless the author is a public account or outlet. */
  author: string;
  /** Where a press officer found it (manual imports). */
  url?: string;
  /** When the author wrote it. */
  at: Date;
  /** `YYYY-MM-DD` of `at` in China Standard Time, for per-day figures without date maths in queries. */
  day: string;
  collectedAt: Date;
  /**
   * `confidence` in [0, 1]: the calibrated chance the label is right (rises with the model's margin);
   * absent on reactions scored before it existed. Below UNCERTAIN_BELOW the label is "uncertain".
   */
  sentiment: { label: SentimentLabel; score: number; reasons: string[]; confidence?: number };
}

const reactionSchema = new Schema<ReactionRecord>(
  {
    _id: { type: String },
    source: { type: String, enum: REACTION_SOURCES, required: true },
    externalId: { type: String, required: true },
    agencyCode: { type: String, required: true },
    disclosureId: { type: String },
    statusId: { type: String },
    text: { type: String, required: true },
    author: { type: String, required: true },
    url: { type: String },
    at: { type: Date, required: true },
    day: { type: String, required: true },
    collectedAt: { type: Date, required: true },
    sentiment: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'reactions', versionKey: false, strict: 'throw' },
);

reactionSchema.index({ agencyCode: 1, at: -1 });
reactionSchema.index({ disclosureId: 1, at: -1 });
reactionSchema.index({ agencyCode: 1, day: 1 });

export function reactionModel(db: Connection): Model<ReactionRecord> {
  return (db.models.Reaction as Model<ReactionRecord> | undefined) ?? db.model<ReactionRecord>('Reaction', reactionSchema);
}

export function reactionCollection(db: Connection): Collection<ReactionRecord> {
  return reactionModel(db).collection as unknown as Collection<ReactionRecord>;
}
