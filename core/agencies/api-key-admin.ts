import type { Connection } from 'mongoose';
import { z } from 'zod';
import { actorKind, recordAudit } from '../audit.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { apiKeyModel, ROLES, type Role } from '../models/api-key.model.ts';
import { createApiKey, type Principal } from './api-keys.ts';

/** POST /api/v1/keys: what the admin chooses; the agency is always the admin's own. */
export const newKeyInput = z
  .object({
    role: z.enum(ROLES).describe('角色：publisher 发布、reviewer 审核、press 新闻发言人、admin 管理'),
    label: z.string().trim().min(2).max(60).describe('用途或持有系统，例如“公共资源交易平台”'),
  })
  .strict();

export const keyIdParams = z
  .object({ keyId: z.string().regex(/^[0-9a-f]{16}$/, { error: 'must be the 16 hexadecimal characters of a key id' }).describe('密钥编号') })
  .strict();

export type NewKeyInput = z.infer<typeof newKeyInput>;

/** A key as an admin sees it: never its secret or the secret's hash. */
export interface KeyView {
  keyId: string;
  role: Role;
  label?: string;
  createdAt?: Date;
  lastUsedAt?: Date;
  expiresAt?: Date;
  revokedAt?: Date;
  revoked: boolean;
}

interface KeyFields {
  keyId: string;
  role: string;
  label?: string | null;
  createdAt?: Date | null;
  lastUsedAt?: Date | null;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
}

const VIEW_FIELDS = { _id: 0, keyId: 1, role: 1, label: 1, createdAt: 1, lastUsedAt: 1, expiresAt: 1, revokedAt: 1 } as const;

function keyView(key: KeyFields): KeyView {
  return {
    keyId: key.keyId,
    role: key.role as Role,
    ...(key.label ? { label: key.label } : {}),
    ...(key.createdAt ? { createdAt: key.createdAt } : {}),
    ...(key.lastUsedAt ? { lastUsedAt: key.lastUsedAt } : {}),
    ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
    ...(key.revokedAt ? { revokedAt: key.revokedAt } : {}),
    revoked: Boolean(key.revokedAt),
  };
}

const actorOf = (principal: Principal) => ({ kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode });

/** The agency's keys, newest first (a per-agency handful; the agencyCode index serves it). */
export async function listAgencyKeys(db: Connection, agencyCode: string): Promise<KeyView[]> {
  const keys = await apiKeyModel(db).find({ agencyCode }, VIEW_FIELDS).sort({ createdAt: -1, keyId: 1 }).lean();
  return keys.map(keyView);
}

/** Creates a key in the admin's agency; the answer is the only time the secret exists outside the caller. */
export async function createAgencyKey(db: Connection, principal: Principal, input: NewKeyInput, now: Date) {
  const created = await createApiKey(db, { agencyCode: principal.agencyCode, role: input.role, label: input.label });
  await recordAudit(db, { action: 'key.create', actor: actorOf(principal), agencyCode: principal.agencyCode, subject: created.keyId, detail: { role: input.role, label: input.label }, at: now });
  const stored = await apiKeyModel(db).findOne({ keyId: created.keyId }, VIEW_FIELDS).lean();
  return { apiKey: created.apiKey, key: keyView(stored ?? { keyId: created.keyId, role: input.role, label: input.label }) };
}

/** Revokes one of the admin's agency's keys; another agency's key is 404, like any resource of theirs. */
export async function revokeAgencyKey(db: Connection, principal: Principal, keyId: string, now: Date): Promise<KeyView> {
  const revoked = await apiKeyModel(db)
    // No projection: FerretDB 1.x does not implement one on findAndModify; keyView drops the hash.
    .findOneAndUpdate({ keyId, agencyCode: principal.agencyCode, revokedAt: { $exists: false } }, { $set: { revokedAt: now } }, { returnDocument: 'after' })
    .lean();
  if (!revoked) {
    const existing = await apiKeyModel(db).findOne({ keyId, agencyCode: principal.agencyCode }, VIEW_FIELDS).lean();
    if (!existing) throw new NotFoundError(`no key ${keyId} in this agency`);
    throw new ConflictError(`key ${keyId} is already revoked`);
  }
  await recordAudit(db, { action: 'key.revoke', actor: actorOf(principal), agencyCode: principal.agencyCode, subject: keyId, detail: { role: revoked.role }, at: now });
  return keyView(revoked);
}
