import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { DISCLOSURE_STATUSES, disclosureCollection, type DisclosureRecord } from '../models/disclosure.model.ts';
import { toAgencyView } from './views.ts';

export const agencyListQuery = z
  .object({
    status: z.enum(DISCLOSURE_STATUSES).optional().describe('状态'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    skip: z.coerce.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export async function listAgencyDisclosures(db: Connection, agencyCode: string, query: z.infer<typeof agencyListQuery>) {
  const docs = await disclosureCollection(db)
    .find({ agencyCode, ...(query.status ? { status: query.status } : {}) }, { projection: { searchTokens: 0 } })
    .sort({ updatedAt: -1, _id: -1 })
    .skip(query.skip)
    .limit(query.limit)
    .toArray();
  return { items: docs.map(toAgencyView) };
}

export async function getAgencyDisclosure(db: Connection, agencyCode: string, id: string): Promise<DisclosureRecord> {
  const doc = await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) });
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
  return doc;
}
