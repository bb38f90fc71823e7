import type { Connection } from 'mongoose';
import { z } from 'zod';
import { agencyCode } from '../disclosures/input.ts';
import { uniqueWrite } from '../db.ts';
import { agencyModel } from '../models/agency.model.ts';

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
  return { code: doc.code, name: doc.name, region: doc.region ?? undefined };
}
