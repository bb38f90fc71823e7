import type { Connection } from 'mongoose';
import { actorKind, recordAudit } from '../audit.ts';
import { ConflictError } from '../errors.ts';
import { opinionAlertCollection, type OpinionAlertRecord } from '../models/opinion-alert.model.ts';
import { alertOf } from './records.ts';

/**
 * Records that a press officer has seen an alert and is looking into it. The alert stays open
 * (or tasked): acknowledging decides nothing, it tells colleagues (and the staff notifications)
 * that someone is on it. The first acknowledgement is kept; repeating it is harmless.
 */
export async function acknowledgeAlert(
  db: Connection,
  input: { alertId: string; agencyCode: string; by: string; note?: string },
  now: Date,
): Promise<OpinionAlertRecord> {
  const alerts = opinionAlertCollection(db);
  const alert = await alertOf(db, input.agencyCode, input.alertId);
  if (alert.acknowledgedAt) return alert;
  if (alert.status === 'dismissed') {
    throw new ConflictError('the alert was dismissed: there is nothing to acknowledge', [{ path: 'status', message: 'dismissed' }]);
  }
  const set = { acknowledgedBy: input.by, acknowledgedAt: now, ...(input.note ? { acknowledgeNote: input.note } : {}) };
  const { modifiedCount } = await alerts.updateOne({ _id: alert._id, acknowledgedAt: { $exists: false } }, { $set: set });
  if (modifiedCount === 1) {
    await recordAudit(db, {
      id: `opinion-alert:${alert._id}:acknowledge`,
      action: 'opinion.alert.acknowledge',
      actor: { kind: actorKind(input.by), keyId: input.by, agencyCode: input.agencyCode },
      agencyCode: input.agencyCode,
      subject: alert._id,
      ...(input.note ? { detail: { note: input.note } } : {}),
      at: now,
    });
  }
  return (await alerts.findOne({ _id: alert._id }))!;
}
