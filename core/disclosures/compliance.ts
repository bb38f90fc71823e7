import { z } from 'zod';
import type { ReadModel } from '../read-model/types.ts';

export const pendingQuery = z
  .object({
    withinDays: z.coerce.number().int().min(0).max(60).default(5).describe('到期前多少个自然日内的事项'),
  })
  .strict();

const MAX_PENDING = 500;

/**
 * Drafts of the agency that are past due or due within the window, soonest first: what a
 * publisher must act on to keep the 20/7-working-day clock (政府信息公开条例 第二十六条).
 */
export async function pendingCompliance(readModel: ReadModel, agencyCode: string, withinDays: number, now: Date) {
  const horizon = new Date(now.getTime() + withinDays * 86_400_000);
  const items = await readModel.pendingCompliance(agencyCode, horizon, MAX_PENDING);
  return items.map((d) => ({ ...d, overdue: d.dueAt < now }));
}
