import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AuthenticationError, NotFoundError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { apiKeyModel, type Role } from '../models/api-key.model.ts';

/** Who is calling, as established from a valid API key. */
export interface Principal {
  keyId: string;
  agencyCode: string;
  role: Role;
  /** A console staff account's username (then `keyId` is `staff:<username>`); absent for API keys. */
  staff?: string;
}

// gk_<16 hex keyId>_<64 hex secret>: the prefix makes leaked keys easy to find in code scans.
const KEY_FORMAT = /^gk_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** lastUsedAt is kept to the hour: one write per key per hour, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

function hashSecret(secret: string): string {
  // The secret is 256 random bits, so a fast hash is as strong as a slow one here.
  return createHash('sha256').update(secret).digest('hex');
}

export async function createApiKey(
  db: Connection,
  input: { agencyCode: string; role: Role; label?: string; expiresAt?: Date },
): Promise<{ apiKey: string; keyId: string; agencyCode: string; role: Role; expiresAt?: Date }> {
  const agency = await agencyModel(db).findOne({ code: input.agencyCode }).lean();
  if (!agency) throw new NotFoundError(`no agency with code ${input.agencyCode}`);
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  await apiKeyModel(db).create({ keyId, secretHash: hashSecret(secret), ...input });
  return { apiKey: `gk_${keyId}_${secret}`, keyId, agencyCode: input.agencyCode, role: input.role, expiresAt: input.expiresAt };
}

/** Resolves a bearer token to its principal, or throws 401 without saying which part was wrong. */
export async function authenticateKey(db: Connection, token: string, now = new Date()): Promise<Principal> {
  const match = KEY_FORMAT.exec(token);
  if (!match) throw new AuthenticationError('invalid API key');
  const [, keyId, secret] = match as unknown as [string, string, string];
  const key = await apiKeyModel(db).findOne({ keyId }).lean();
  // Compare even when the key is unknown, so timing does not reveal which key ids exist.
  const expected = Buffer.from(key?.secretHash ?? '0'.repeat(64), 'hex');
  const valid = timingSafeEqual(expected, Buffer.from(hashSecret(secret), 'hex')) && key !== null;
  if (!valid || !key) throw new AuthenticationError('invalid API key');
  if (key.revokedAt) throw new AuthenticationError('API key revoked');
  if (key.expiresAt && key.expiresAt <= now) throw new AuthenticationError('API key expired');
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Advisory (the admin's key list shows it): a failed write must not refuse a valid key.
    await apiKeyModel(db)
      .updateOne({ keyId }, { $set: { lastUsedAt: now } }, { timestamps: false })
      .catch(() => undefined);
  }
  return { keyId, agencyCode: key.agencyCode, role: key.role as Role };
}

/** Returns the key's agency and role, for the audit log. */
export async function revokeApiKey(db: Connection, keyId: string, now = new Date()): Promise<{ agencyCode: string; role: Role }> {
  const key = await apiKeyModel(db).findOneAndUpdate({ keyId, revokedAt: { $exists: false } }, { $set: { revokedAt: now } }).lean();
  if (!key) throw new NotFoundError(`no active key ${keyId}`);
  return { agencyCode: key.agencyCode, role: key.role as Role };
}

/** A key by id, when it is neither revoked nor expired (sessions that hold a key id, not the key). */
export async function activeKey(db: Connection, keyId: string, now = new Date()): Promise<Principal | undefined> {
  const key = await apiKeyModel(db).findOne({ keyId }, { agencyCode: 1, role: 1, revokedAt: 1, expiresAt: 1 }).lean();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) return undefined;
  return { keyId, agencyCode: key.agencyCode, role: key.role as Role };
}
