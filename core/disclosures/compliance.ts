import type { Connection } from 'mongoose';
import { z } from 'zod';
import { disclosureCollection } from '../models/disclosure.model.ts';

export const pendingQuery = z
  .object({
    withinDays: z.coerce.number().int().min(0).max(60).default(5).describe('到期前多少个自然日内的事项'),
  })
  .strict();

/**
 * Drafts of the agency that are past due or due within the window, soonest first: what a
 * publisher must act on to keep the 20/7-working-day clock (政府信息公开条例 第二十六条).
 */
export async function pendingCompliance(db: Connection, agencyCode: string, withinDays: number, now: Date) {
  const horizon = new Date(now.getTime() + withinDays * 86_400_000);
  const docs = await disclosureCollection(db)
    .find(
      { agencyCode, status: 'draft', dueAt: { $lte: horizon } },
      { projection: { title: 1, field: 1, itemType: 1, formedAt: 1, dueOn: 1, dueAt: 1, calendarGaps: 1 } },
    )
    .sort({ dueAt: 1 })
    .limit(500)
    .toArray();
  return docs.map((d) => ({
    id: d._id.toHexString(),
    title: d.title,
    field: d.field,
    itemType: d.itemType,
    formedAt: d.formedAt,
    dueOn: d.dueOn,
    dueAt: d.dueAt,
    overdue: d.dueAt < now,
    calendarGaps: d.calendarGaps,
  }));
}
