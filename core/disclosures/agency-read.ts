import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { DISCLOSURE_STATUSES, type DisclosureRecord } from '../models/disclosure.model.ts';
import type { ReadModel } from '../read-model/types.ts';
import type { DisclosureStore } from '../store/disclosure-store.ts';

export const agencyListQuery = z
  .object({
    status: z.enum(DISCLOSURE_STATUSES).optional().describe('状态'),
    cursor: z.string().max(200).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

/** The agency's own items, drafts included, last changed first; one line each (the detail has the content). */
export function listAgencyDisclosures(readModel: ReadModel, agencyCode: string, query: z.infer<typeof agencyListQuery>) {
  return readModel.listAgency(agencyCode, query);
}

export async function getAgencyDisclosure(store: DisclosureStore, agencyCode: string, id: string): Promise<DisclosureRecord> {
  const doc = await store.get(id);
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
  return doc;
}
