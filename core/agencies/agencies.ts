import type { Connection } from 'mongoose';
import { z } from 'zod';
import { agencyCode } from '../disclosures/input.ts';
import { uniqueWrite } from '../db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { agencyChanged } from './directory.ts';

export const agencyInput = z
  .object({
    code: agencyCode,
    name: z.string().trim().min(2).max(100),
    region: z
      .string()
      .regex(/^\d{6}$/, { error: 'must be a 6-digit 行政区划代码' })
      .optional(),
  })
  .strict();

export type AgencyInput = z.infer<typeof agencyInput>;

export async function createAgency(db: Connection, input: AgencyInput) {
  const parsed = agencyInput.parse(input);
  const doc = await uniqueWrite(agencyModel(db).create(parsed), 'code', `agency ${parsed.code} already exists`);
  agencyChanged(db);
  return { code: doc.code, name: doc.name, region: doc.region ?? undefined };
}

export const agencyUpdate = z
  .object({
    name: agencyInput.shape.name.optional(),
    region: agencyInput.shape.region,
    requireReview: z.boolean().optional(),
  })
  .strict();

export type AgencyUpdate = z.infer<typeof agencyUpdate>;

/** Changes an agency's settings; returns the values before and after, for the audit log. */
export async function updateAgency(db: Connection, code: string, patch: AgencyUpdate) {
  const changes = Object.fromEntries(Object.entries(agencyUpdate.parse(patch)).filter(([, v]) => v !== undefined));
  if (!Object.keys(changes).length) throw new ValidationError('nothing to change: give --name, --region, --require-review or --no-require-review');
  const before = await agencyModel(db).findOneAndUpdate({ code }, { $set: changes }).lean();
  if (!before) throw new NotFoundError(`no agency with code ${code}`);
  agencyChanged(db);
  const view = (a: { code: string; name: string; region?: string | null; requireReview?: boolean | null }) => ({
    code: a.code,
    name: a.name,
    region: a.region ?? undefined,
    requireReview: a.requireReview ?? false,
  });
  const old = view(before);
  return { before: Object.fromEntries(Object.keys(changes).map((k) => [k, old[k as keyof typeof old]])), agency: view({ ...before, ...changes }) };
}
