import { z } from 'zod';
import { FIELD_CODES } from '../catalogue/types.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { isoDate, itemTypeCode } from './input.ts';
import { DISCLOSURE_STATUSES, type DisclosureRecord } from '../models/disclosure.model.ts';
import type { ReadModel } from '../read-model/types.ts';
import type { DisclosureStore } from '../store/disclosure-store.ts';

export const agencyListQuery = z
  .object({
    status: z.enum(DISCLOSURE_STATUSES).optional().describe('状态'),
    field: z.enum(FIELD_CODES).optional().describe('领域'),
    itemType: itemTypeCode.optional().describe('事项类型'),
    dueFrom: isoDate.optional().describe('到期日起（含）'),
    dueTo: isoDate.optional().describe('到期日止（含）'),
    overdue: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .optional()
      .describe('为 true 时只列逾期事项：已过到期日仍未公开的草稿，以及逾期公开的事项'),
    cursor: z.string().max(200).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict()
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, { error: 'must not be before dueFrom', path: ['dueTo'] });

/**
 * The agency's own items, drafts included, last changed first; one line each (the detail has the
 * content). `overdue` is judged at `now`, the service's clock.
 */
export function listAgencyDisclosures(readModel: ReadModel, agencyCode: string, query: z.infer<typeof agencyListQuery>, now: Date) {
  const { overdue, ...rest } = query;
  return readModel.listAgency(agencyCode, { ...rest, ...(overdue === 'true' ? { overdueAt: now } : {}) });
}

export async function getAgencyDisclosure(store: DisclosureStore, agencyCode: string, id: string): Promise<DisclosureRecord> {
  const doc = await store.get(id);
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
  return doc;
}
