import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

export interface AuditActor {
  /** `job`: a background job acting on its own (e.g. an escalation); `requester`: someone submitting an information request. */
  kind: 'key' | 'cli' | 'job' | 'requester' | 'staff';
  keyId?: string;
  role?: string;
  agencyCode?: string;
}

/** A console staff account acts as `staff:<username>` wherever a key id is recorded. */
export const actorKind = (keyId: string | undefined): 'key' | 'staff' => (keyId?.startsWith('staff:') ? 'staff' : 'key');

export interface AuditRecord {
  _id: string;
  action: string;
  actor: AuditActor;
  agencyCode?: string;
  subject?: string;
  contentHash?: string;
  detail?: Record<string, unknown>;
  at: Date;
}

export type AuditEntry = Omit<AuditRecord, '_id' | 'at'> & {
  /** Deterministic when the event already lives on its document, so a retry writes it once. */
  id?: string;
  at?: Date;
};

const auditSchema = new Schema<AuditRecord>(
  {
    _id: { type: String },
    action: { type: String, required: true, index: true },
    actor: { kind: String, keyId: String, role: String, agencyCode: String },
    agencyCode: { type: String, index: true },
    subject: { type: String },
    contentHash: { type: String },
    detail: { type: Schema.Types.Mixed },
    at: { type: Date, required: true, index: true },
  },
  { collection: 'audit', versionKey: false, strict: 'throw' },
);

// The admin's view: one agency, newest first (GET /api/v1/audit).
auditSchema.index({ agencyCode: 1, at: -1, _id: -1 });

function auditModel(db: Connection): Model<AuditRecord> {
  return (db.models.Audit as Model<AuditRecord> | undefined) ?? db.model<AuditRecord>('Audit', auditSchema);
}

/** Append-only: entries are inserted, never updated; a duplicate id means it is already there. */
export async function recordAudit(db: Connection, entry: AuditEntry): Promise<void> {
  const { id, at, ...rest } = entry;
  try {
    await auditModel(db).create({ _id: id ?? randomUUID(), at: at ?? new Date(), ...rest });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
}

export { auditModel };
