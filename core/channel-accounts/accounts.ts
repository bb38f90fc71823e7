import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { actorKind, recordAudit } from '../audit.ts';
import { open, reseal, seal, sealedKeyId, type SealKeys } from '../crypto/sealed.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { LIVE_NEEDS, type ChannelAccountInput } from './account-input.ts';

/**
 * One channel account of an agency, one document (`channel_accounts`), `_id`
 * `<owner agency>/<channel>/<id>`, so every lookup is by `_id`. Secrets are sealed with
 * DATA_ENCRYPTION_KEY (core/crypto/sealed.ts, bound to the account and the secret's name): the
 * document never holds one in the clear, and nothing returns or logs them.
 */
export interface ChannelAccountRecord {
  _id: string;
  owner: string;
  channel: ChannelAccountInput['channel'];
  id: string;
  mode: ChannelAccountInput['mode'];
  publishesFor: string[];
  /** Everything but the secrets: app id, template and mapping, server address, webhook URLs. */
  settings: Record<string, unknown>;
  /** Secret name → sealed value. */
  secrets: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export const channelAccounts = (db: Connection) => db.collection('channel_accounts') as unknown as Collection<ChannelAccountRecord>;
export const accountId = (owner: string, channel: string, id: string) => `${owner}/${channel}/${id}`;
const context = (_id: string, name: string) => `channel-account:${_id}:${name}`;

function requireKeys(keys: SealKeys | undefined): SealKeys {
  if (!keys) throw new UnavailableError('channel accounts need DATA_ENCRYPTION_KEY to seal their secrets');
  return keys;
}

/** The credentials `live` needs that the account lacks (settings by name, secrets as `secrets.<name>`). */
export function missingForLive(channel: string, settings: Record<string, unknown>, secrets: Record<string, string>): string[] {
  return (LIVE_NEEDS[channel] ?? []).filter((field) => {
    if (field.startsWith('secrets.')) return !secrets[field.slice(8)];
    const value = settings[field];
    return value === undefined || (Array.isArray(value) && !value.length);
  });
}

/** What any API answers about an account: its settings, and only whether each secret is set. */
export function accountView(record: ChannelAccountRecord) {
  return {
    channel: record.channel,
    id: record.id,
    owner: record.owner,
    mode: record.mode,
    publishesFor: record.publishesFor,
    ...record.settings,
    secrets: Object.fromEntries(Object.keys(record.secrets).map((name) => [name, 'set'])),
    updatedAt: record.updatedAt,
  };
}

/**
 * Creates or replaces the principal agency's account. Secrets left out keep their stored value
 * (they are write-only); `live` must then be complete, each missing credential named (400).
 */
export async function saveAccount(db: Connection, keys: SealKeys | undefined, principal: Principal, input: ChannelAccountInput, now: Date) {
  const ring = requireKeys(keys);
  const _id = accountId(principal.agencyCode, input.channel, input.id);
  const existing = await channelAccounts(db).findOne({ _id });
  const { channel, id, mode, publishesFor, secrets: given, ...settings } = input;
  const secrets: Record<string, string> = { ...(existing?.secrets ?? {}) };
  for (const [name, value] of Object.entries(given as Record<string, string | undefined>)) {
    if (value !== undefined) secrets[name] = seal(ring, value, context(_id, name));
  }
  if (mode === 'live') {
    const missing = missingForLive(channel, settings as Record<string, unknown>, secrets);
    if (missing.length) throw new ValidationError(`a live ${channel} account needs ${missing.join(', ')}`, missing.map((path) => ({ path, message: 'required when mode is live' })));
  }
  const record: ChannelAccountRecord = {
    _id,
    owner: principal.agencyCode,
    channel,
    id,
    mode,
    publishesFor: [...new Set(publishesFor.filter((code) => code !== principal.agencyCode))],
    settings,
    secrets,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await channelAccounts(db).replaceOne({ _id }, record, { upsert: true });
  await recordAudit(db, {
    action: 'channel-account.save',
    actor: principal.keyId === 'cli' ? { kind: 'cli' } : { kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
    agencyCode: principal.agencyCode,
    subject: _id,
    // Names of the secrets changed, never their values.
    detail: { mode, secretsChanged: Object.keys(given).filter((n) => (given as Record<string, unknown>)[n] !== undefined) },
    at: now,
  });
  return accountView(record);
}

/** One of the principal agency's accounts (another agency's is 404, like any resource of theirs). */
export async function getAccount(db: Connection, principal: Principal, channel: string, id: string) {
  const record = await channelAccounts(db).findOne({ _id: accountId(principal.agencyCode, channel, id) });
  if (!record) throw new NotFoundError(`no ${channel} account ${id}`);
  return accountView(record);
}

/**
 * The principal agency's accounts (a per-agency handful), each as `accountView` plus what it would
 * still need to go live.
 */
export async function listAccounts(db: Connection, principal: Principal) {
  const records = await channelAccounts(db).find({ owner: principal.agencyCode }).sort({ _id: 1 }).toArray();
  return records.map((record) => ({ ...accountView(record), missingForLive: missingForLive(record.channel, record.settings, record.secrets) }));
}

/** The secrets in the clear, for wiring the account's channel only (never for an answer or a log). */
export function openSecrets(keys: SealKeys, record: ChannelAccountRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(record.secrets).map(([name, sealed]) => [name, open(keys, sealed, context(record._id, name))]));
}

/**
 * After a key rotation: seals every account's secrets again with the current key (a CLI scan,
 * never on a request); when it reports `resealed: 0`, the old key can go.
 */
export async function resealAccounts(db: Connection, keys: SealKeys): Promise<{ accounts: number; resealed: number }> {
  let accounts = 0;
  let resealed = 0;
  for await (const record of channelAccounts(db).find({})) {
    accounts += 1;
    const stale = Object.entries(record.secrets).filter(([, sealed]) => sealedKeyId(sealed) !== keys.current.id);
    if (!stale.length) continue;
    const secrets = { ...record.secrets };
    for (const [name, sealed] of stale) secrets[name] = reseal(keys, sealed, context(record._id, name));
    await channelAccounts(db).updateOne({ _id: record._id }, { $set: { secrets } });
    resealed += stale.length;
  }
  return { accounts, resealed };
}
