import type { Connection } from 'mongoose';
import { z } from 'zod';
import { actorKind, recordAudit } from '../audit.ts';
import { NotFoundError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import type { Principal } from './api-keys.ts';
import { updateAgency } from './agencies.ts';

/** PUT /api/v1/agency/settings: the one setting an agency's admin changes from the console. */
export const agencySettingsInput = z
  .object({ requireReview: z.boolean().describe('先审后发：发布与更正须经审核员批准后才公开') })
  .strict();

export type AgencySettingsInput = z.infer<typeof agencySettingsInput>;

/** The admin's own agency: its name and whether its publications wait for review (先审后发). */
export async function agencySettings(db: Connection, code: string) {
  const agency = await agencyModel(db).findOne({ code }, { code: 1, name: 1, region: 1, requireReview: 1 }).lean();
  if (!agency) throw new NotFoundError(`no agency ${code}`);
  return { code: agency.code, name: agency.name, ...(agency.region ? { region: agency.region } : {}), requireReview: agency.requireReview === true };
}

/** Changes the setting as `agency update --require-review` does, audited as `agency.update` with the caller as actor. */
export async function changeAgencySettings(db: Connection, principal: Principal, input: AgencySettingsInput, now: Date) {
  const result = await updateAgency(db, principal.agencyCode, { requireReview: input.requireReview });
  await recordAudit(db, {
    action: 'agency.update',
    actor: { kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
    agencyCode: principal.agencyCode,
    subject: principal.agencyCode,
    detail: { before: result.before, after: { requireReview: result.agency.requireReview } },
    at: now,
  });
  return agencySettings(db, principal.agencyCode);
}
