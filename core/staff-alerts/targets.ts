import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { actorKind, recordAudit } from '../audit.ts';
import { open, reseal, seal, sealedKeyId, type SealKeys } from '../crypto/sealed.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { TARGET_LIVE_NEEDS, type StaffAlertEventKind, type StaffAlertTargetInput } from './target-input.ts';

/**
 * One staff alert target of an agency, one document (`staff_alert_targets`), `_id`
 * `<agency>/<kind>/<id>`. Robot keys, tokens, 加签 secrets and app secrets are sealed with
 * DATA_ENCRYPTION_KEY (core/crypto/sealed.ts, bound to the target and the secret's name), exactly
 * as channel accounts' are: never in the clear at rest, never returned, logged or audited.
 */
export interface StaffAlertTargetRecord {
  _id: string;
  owner: string;
  kind: StaffAlertTargetInput['kind'];
  id: string;
  name?: string;
  mode: StaffAlertTargetInput['mode'];
  events: StaffAlertEventKind[];
  /** Everything but the secrets: keywords, openid, app id, template and mapping. */
  settings: Record<string, unknown>;
  /** Secret name → sealed value. */
  secrets: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export const staffAlertTargets = (db: Connection) => db.collection('staff_alert_targets') as unknown as Collection<StaffAlertTargetRecord>;
export const targetId = (owner: string, kind: string, id: string) => `${owner}/${kind}/${id}`;
const context = (_id: string, name: string) => `staff-alert-target:${_id}:${name}`;

function requireKeys(keys: SealKeys | undefined): SealKeys {
  if (!keys) throw new UnavailableError('staff alert targets need DATA_ENCRYPTION_KEY to seal their secrets');
  return keys;
}

/** The credentials `live` needs that the target lacks (settings by name, secrets as `secrets.<name>`). */
export function targetMissingForLive(kind: StaffAlertTargetInput['kind'], settings: Record<string, unknown>, secrets: Record<string, string>): string[] {
  return TARGET_LIVE_NEEDS[kind].filter((field) => {
    if (field.startsWith('secrets.')) return !secrets[field.slice(8)];
    const value = settings[field];
    return value === undefined || (Array.isArray(value) && !value.length);
  });
}

/** What any answer says about a target: its settings, and only whether each secret is set. */
export function targetView(record: StaffAlertTargetRecord) {
  return {
    kind: record.kind,
    id: record.id,
    owner: record.owner,
    ...(record.name ? { name: record.name } : {}),
    mode: record.mode,
    events: record.events,
    ...record.settings,
    secrets: Object.fromEntries(Object.keys(record.secrets).map((name) => [name, 'set'])),
    missingForLive: targetMissingForLive(record.kind, record.settings, record.secrets),
    updatedAt: record.updatedAt,
  };
}

/**
 * Creates or replaces one of the principal agency's targets. Secrets left out keep their stored
 * value (write-only); `live` must then be complete, each missing field named (400). Sealing a
 * secret needs DATA_ENCRYPTION_KEY (503 without it).
 */
export async function saveTarget(db: Connection, keys: SealKeys | undefined, principal: Principal, input: StaffAlertTargetInput, now: Date) {
  const _id = targetId(principal.agencyCode, input.kind, input.id);
  const existing = await staffAlertTargets(db).findOne({ _id });
  const { kind, id, name, mode, events, secrets: given, ...settings } = input;
  const secrets: Record<string, string> = { ...(existing?.secrets ?? {}) };
  // The key is needed only to seal something: a sandbox target on the sandbox's own robot has no secret.
  for (const [secretName, value] of Object.entries(given as Record<string, string | undefined>)) {
    if (value !== undefined) secrets[secretName] = seal(requireKeys(keys), value, context(_id, secretName));
  }
  if (mode === 'live') {
    const missing = targetMissingForLive(kind, settings, secrets);
    if (missing.length) throw new ValidationError(`a live ${kind} target needs ${missing.join(', ')}`, missing.map((path) => ({ path, message: 'required when mode is live' })));
  }
  const record: StaffAlertTargetRecord = {
    _id,
    owner: principal.agencyCode,
    kind,
    id,
    ...(name ? { name } : {}),
    mode,
    events: [...new Set(events)],
    settings,
    secrets,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await staffAlertTargets(db).replaceOne({ _id }, record, { upsert: true });
  await recordAudit(db, {
    action: 'staff-alert-target.save',
    actor: principal.keyId === 'cli' ? { kind: 'cli' } : { kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
    agencyCode: principal.agencyCode,
    subject: _id,
    // Names of the secrets changed, never their values.
    detail: { mode, secretsChanged: Object.entries(given as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([n]) => n) },
    at: now,
  });
  return targetView(record);
}

/** One of the principal agency's targets (another agency's is 404, like any resource of theirs). */
export async function getTarget(db: Connection, principal: Principal, kind: string, id: string) {
  const record = await staffAlertTargets(db).findOne({ _id: targetId(principal.agencyCode, kind, id) });
  if (!record) throw new NotFoundError(`no ${kind} target ${id}`);
  return targetView(record);
}

/** The principal agency's targets (a handful per agency). */
export async function listTargets(db: Connection, principal: Principal) {
  const records = await staffAlertTargets(db).find({ owner: principal.agencyCode }).sort({ _id: 1 }).toArray();
  return records.map(targetView);
}

/** Every target that is not off, for the watch (one small scan per run). */
export async function activeTargets(db: Connection): Promise<StaffAlertTargetRecord[]> {
  return staffAlertTargets(db).find({ mode: { $in: ['live', 'sandbox'] } }).toArray();
}

/** The secrets in the clear, for building the target's sender only (never for an answer or a log). */
export function openTargetSecrets(keys: SealKeys, record: StaffAlertTargetRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(record.secrets).map(([secretName, sealed]) => [secretName, open(keys, sealed, context(record._id, secretName))]));
}

/** After a key rotation: seals every target's secrets again with the current key (CLI only). */
export async function resealTargets(db: Connection, keys: SealKeys): Promise<{ targets: number; resealed: number }> {
  let targets = 0;
  let resealed = 0;
  for await (const record of staffAlertTargets(db).find({})) {
    targets += 1;
    const stale = Object.entries(record.secrets).filter(([, sealed]) => sealedKeyId(sealed) !== keys.current.id);
    if (!stale.length) continue;
    const secrets = { ...record.secrets };
    for (const [secretName, sealed] of stale) secrets[secretName] = reseal(keys, sealed, context(record._id, secretName));
    await staffAlertTargets(db).updateOne({ _id: record._id }, { $set: { secrets } });
    resealed += stale.length;
  }
  return { targets, resealed };
}
