import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { FieldCode } from '../catalogue/types.ts';

export const DISCLOSURE_STATUSES = ['draft', 'published', 'corrected', 'withdrawn'] as const;
export type DisclosureStatus = (typeof DISCLOSURE_STATUSES)[number];

export const WITHHOLD_BASES = ['commercial-secret', 'privacy', 'state-secret'] as const;
export type WithholdBasis = (typeof WITHHOLD_BASES)[number];

export const RESPONSIBILITY_BASES = ['approve', 'implement', 'produce'] as const;
export type ResponsibilityBasis = (typeof RESPONSIBILITY_BASES)[number];

export interface Attachment {
  name: string;
  url: string;
  sha256: string;
}

export interface Withheld {
  path: string;
  basis: WithholdBasis;
}

/** One immutable version of the item's content. Drafts are edited in place until published. */
export interface Revision {
  n: number;
  title: string;
  /** Holds commercial-secret and privacy values for the agency's own view; never state secrets. */
  content: Record<string, unknown>;
  withheld: Withheld[];
  attachments: Attachment[];
  /** Public change note (变更说明); required for every revision after the first. */
  note?: string;
  contentHash: string;
  createdAt: Date;
  publishedAt?: Date;
}

/** A state transition, kept on the document so that it is written in the same atomic update. */
export interface DisclosureEvent {
  seq: number;
  action: 'create' | 'edit' | 'publish' | 'correct' | 'withdraw' | 'request-review' | 'approve' | 'reject' | 'urgent';
  at: Date;
  keyId: string;
  role: string;
  revision: number;
  contentHash?: string;
  note?: string;
}

/**
 * 先审后发: a publication or correction waiting for a reviewer, or the last rejection. The item
 * stays what it was (a draft, or its published revision) until approval, so every public read
 * ignores it.
 */
export interface ReviewRecord {
  state: 'pending' | 'rejected';
  kind: 'publish' | 'correct';
  requestedBy: string;
  requestedAt: Date;
  /** What the reviewer is asked to approve; approval is refused once the content differs. */
  contentHash: string;
  /** A correction's revision, published as is on approval. */
  revision?: Revision;
  note?: string;
  rejectedBy?: string;
  rejectedAt?: Date;
  reason?: string;
}

/**
 * The duty to deliver one public change on one channel, written by the same single-document
 * update as the change itself, keyed `${change}~${channel}` (see fanout/outbox-keys.ts). Only
 * transitions write the disclosure; the fan-out's progress lives in `fanouts` (fanout.model.ts).
 */
export interface OutboxEntry {
  messageKey: string;
  channel: string;
  queuedAt: Date;
}

export interface DisclosureRecord {
  _id: Types.ObjectId;
  agencyCode: string;
  agencyName: string;
  field: FieldCode;
  itemType: string;
  title: string;
  region: string;
  /** The region and its parents (`11`, `1101`, `110105`), so a prefix filter is an equality match. */
  regionPath: string[];
  projectCode?: string;
  /** Marked by the agency for a mass send to the official account's followers' tag. */
  broadcast?: boolean;
  formedAt: string;
  basis: ResponsibilityBasis;
  status: DisclosureStatus;
  revisions: Revision[];
  dueOn: string;
  dueAt: Date;
  /** Years the due date crossed without an official holiday arrangement (Mon–Fri was assumed). */
  calendarGaps: number[];
  publishedAt?: Date;
  lastPublishedAt?: Date;
  onTime?: boolean;
  withdrawnAt?: Date;
  withdrawReason?: string;
  /** Last time anything the public sees changed (publish, correction, withdrawal): feeds key on it. */
  publicChangedAt?: Date;
  /** Segmented public text (jieba), for Chinese keyword search. Never includes withheld values. */
  searchTokens: string[];
  /** 申请编号 named by the current public revision, for residents following their application. */
  applicationNumbers: string[];
  /** `<agency>:<Idempotency-Key>` or a random value; unique, so a retried create finds its first result. */
  idempotencyKey: string;
  requestHash: string;
  events: DisclosureEvent[];
  outbox?: Record<string, OutboxEntry>;
  review?: ReviewRecord;
  /** Bumped by every transition; transitions are conditional on it (optimistic concurrency). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const disclosureSchema = new Schema<DisclosureRecord>(
  {
    agencyCode: { type: String, required: true },
    agencyName: { type: String, required: true },
    field: { type: String, required: true },
    itemType: { type: String, required: true },
    title: { type: String, required: true },
    region: { type: String, required: true },
    regionPath: { type: [String], required: true },
    projectCode: { type: String },
    broadcast: { type: Boolean },
    formedAt: { type: String, required: true },
    basis: { type: String, enum: RESPONSIBILITY_BASES, required: true },
    status: { type: String, enum: DISCLOSURE_STATUSES, required: true },
    revisions: { type: Schema.Types.Mixed, required: true },
    dueOn: { type: String, required: true },
    dueAt: { type: Date, required: true },
    calendarGaps: { type: [Number], default: [] },
    publishedAt: { type: Date },
    lastPublishedAt: { type: Date },
    onTime: { type: Boolean },
    withdrawnAt: { type: Date },
    withdrawReason: { type: String },
    publicChangedAt: { type: Date },
    searchTokens: { type: [String], default: [] },
    applicationNumbers: { type: [String], default: [] },
    idempotencyKey: { type: String, required: true, unique: true },
    requestHash: { type: String, required: true },
    events: { type: Schema.Types.Mixed, default: [] },
    outbox: { type: Schema.Types.Mixed },
    review: { type: Schema.Types.Mixed },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'disclosures', versionKey: false, strict: 'throw' },
);

// Public listing: newest first with a stable tie-break; the filters narrow within it.
disclosureSchema.index({ publishedAt: -1, _id: -1 });
disclosureSchema.index({ agencyCode: 1, status: 1, dueAt: 1 });
disclosureSchema.index({ field: 1, itemType: 1, publishedAt: -1 });
disclosureSchema.index({ regionPath: 1, publishedAt: -1 });
disclosureSchema.index({ projectCode: 1 });
disclosureSchema.index({ publicChangedAt: -1 });
disclosureSchema.index({ searchTokens: 1 });
disclosureSchema.index({ applicationNumbers: 1 });
disclosureSchema.index({ agencyCode: 1, 'review.state': 1 });

export type DisclosureModel = Model<DisclosureRecord>;

export function disclosureModel(db: Connection): DisclosureModel {
  return (db.models.Disclosure as DisclosureModel | undefined) ?? db.model<DisclosureRecord>('Disclosure', disclosureSchema);
}

/**
 * The driver's collection, for the conditional updates and projections where mongoose's casting
 * of Mixed fields would only get in the way. Indexes still come from the schema above.
 */
export function disclosureCollection(db: Connection): Collection<DisclosureRecord> {
  return disclosureModel(db).collection as unknown as Collection<DisclosureRecord>;
}
