import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';

/** `dismissed`: withdrawn unanswered, with a reason (opened by mistake, a duplicate, not the agency's matter). */
export const TASK_STATUSES = ['open', 'acknowledged', 'responded', 'closed', 'dismissed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * 政务舆情回应 levels (国办发〔2016〕61号): a major incident needs authoritative information within
 * 5 hours and a press conference within 24; other public opinion a response within 48 hours.
 */
export const TASK_LEVELS = ['major', 'normal'] as const;
export type TaskLevel = (typeof TASK_LEVELS)[number];

export interface TaskEvent {
  action: 'open' | 'acknowledge' | 'respond' | 'close' | 'dismiss' | 'escalate' | 'reassign';
  at: Date;
  /** keyId of the press officer, or `system` for escalations. */
  by: string;
  note?: string;
}

export interface ResponseTaskRecord {
  /** `alert:${alertId}` when it came from an alert, so one alert becomes at most one task. */
  _id: string;
  alertId?: string;
  agencyCode: string;
  disclosureId?: string;
  level: TaskLevel;
  /** keyId (or label) of the press officer who owns it. */
  owner: string;
  status: TaskStatus;
  openedAt: Date;
  /** First response due: 5 h (major) or 48 h (normal) after opening. */
  dueAt: Date;
  /** Major only: the press conference, 24 h after opening. */
  conferenceDueAt?: Date;
  acknowledgedAt?: Date;
  respondedAt?: Date;
  closedAt?: Date;
  dismissedAt?: Date;
  /** Set once by the escalation job when a clock ran out before the response. */
  escalatedAt?: Date;
  response?: { text: string; weiboCommentId?: string; disclosureId?: string };
  events: TaskEvent[];
  version: number;
}

const taskSchema = new Schema<ResponseTaskRecord>(
  {
    _id: { type: String },
    alertId: { type: String },
    agencyCode: { type: String, required: true },
    disclosureId: { type: String },
    level: { type: String, enum: TASK_LEVELS, required: true },
    owner: { type: String, required: true },
    status: { type: String, enum: TASK_STATUSES, required: true },
    openedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    conferenceDueAt: { type: Date },
    acknowledgedAt: { type: Date },
    respondedAt: { type: Date },
    closedAt: { type: Date },
    dismissedAt: { type: Date },
    escalatedAt: { type: Date },
    response: { type: Schema.Types.Mixed },
    events: { type: Schema.Types.Mixed, default: [] },
    version: { type: Number, required: true },
  },
  { collection: 'response_tasks', versionKey: false, strict: 'throw' },
);

taskSchema.index({ agencyCode: 1, status: 1, dueAt: 1 });

export function responseTaskModel(db: Connection): Model<ResponseTaskRecord> {
  return (db.models.ResponseTask as Model<ResponseTaskRecord> | undefined) ?? db.model<ResponseTaskRecord>('ResponseTask', taskSchema);
}

export function responseTaskCollection(db: Connection): Collection<ResponseTaskRecord> {
  return responseTaskModel(db).collection as unknown as Collection<ResponseTaskRecord>;
}
