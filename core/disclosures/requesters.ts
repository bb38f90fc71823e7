import type { Connection } from 'mongoose';
import { apiKeyModel } from '../models/api-key.model.ts';
import { STAFF_COLLECTION, type StaffRecord } from '../staff/staff-accounts.ts';

/** Who asked for a review, as a reviewer reads it: a staff member by name, an API key by its label. */
export type Requester =
  | { kind: 'staff'; username: string; displayName?: string }
  | { kind: 'key'; keyId: string; label?: string };

const STAFF_PREFIX = 'staff:';

/**
 * The requesters behind `keyIds` (a review's `requestedBy`: `staff:<username>` or an API key's
 * id), looked up within `agencyCode` only: another agency's account shows no display name, its
 * key no label. Staff are one `_id` lookup each; an agency's keys are one small query.
 */
export async function resolveRequesters(db: Connection, agencyCode: string, keyIds: readonly string[]): Promise<Map<string, Requester>> {
  const distinct = [...new Set(keyIds)];
  const staffIds = distinct.filter((id) => id.startsWith(STAFF_PREFIX));
  const keyOnly = distinct.filter((id) => !id.startsWith(STAFF_PREFIX));
  const found = new Map<string, Requester>();
  const accounts = db.collection<StaffRecord>(STAFF_COLLECTION);
  for (const id of staffIds) {
    const account = await accounts.findOne({ _id: id }, { projection: { username: 1, displayName: 1, agencyCode: 1 } });
    const username = id.slice(STAFF_PREFIX.length);
    found.set(id, {
      kind: 'staff',
      username,
      ...(account?.agencyCode === agencyCode && account.displayName ? { displayName: account.displayName } : {}),
    });
  }
  if (keyOnly.length) {
    const keys = await apiKeyModel(db).find({ agencyCode, keyId: { $in: keyOnly } }, { keyId: 1, label: 1 }).lean();
    const labels = new Map(keys.map((k) => [k.keyId, k.label ?? undefined]));
    for (const keyId of keyOnly) {
      const label = labels.get(keyId);
      found.set(keyId, { kind: 'key', keyId, ...(label ? { label } : {}) });
    }
  }
  return found;
}
