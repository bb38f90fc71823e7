import { z } from 'zod';
import { dueDate, todayInChina } from '../../core/calendar/due-date.ts';
import { FIELD_CODES } from '../../core/catalogue/types.ts';
import { requireItemType } from '../../core/disclosures/content.ts';
import { isoDate } from '../../core/disclosures/input.ts';
import { ROLES } from '../../core/models/api-key.model.ts';
import type { Services } from '../../core/services.ts';
import { route } from '../route-spec.ts';

const dueQuery = z
  .object({
    field: z.enum(FIELD_CODES).describe('领域'),
    itemType: z.string().min(1).max(60).describe('事项类型'),
    formedAt: isoDate.describe('形成或变更日期'),
  })
  .strict();

/** The legal clock of an item not yet saved: what creating it would record, on the same working-day calendar. */
export function dueDateRoutes({ calendar, disclosures }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/due-date',
      summary: 'The 到期日 an item of this type formed on this day would have (20 or 7 working days on the official calendar), and whether it is already late',
      tag: 'agency',
      auth: [...ROLES],
      query: dueQuery,
      responses: { 200: '{ dueOn, dueAt, workingDays, calendarGaps, late, formedInFuture }', 400: 'unknown item type or bad date (named)' },
      handler: async (ctx, { query }) => {
        const itemType = requireItemType(query.field, query.itemType);
        const due = dueDate(await calendar.current(), query.formedAt, itemType.decision);
        const now = disclosures.now();
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { ...due, late: due.dueAt.getTime() < now.getTime(), formedInFuture: query.formedAt > todayInChina(now) };
      },
    }),
  ];
}
