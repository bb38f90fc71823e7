import type { Filter } from 'mongodb';
import { dayRange } from '../filters.ts';
import type { AgencyQuery } from '../types.ts';
import type { MongoReadDoc } from './mongo-row.ts';

/**
 * The agency list's filters over `read_disclosures`, as the SQLite read model applies them. The
 * item type of a row that is not public is only in its agency line (`agencyItem`); an agency's rows
 * are few and `agencyCode` is indexed, so the dotted path costs little. The cursor adds its own
 * `$or`, so the overdue test goes in `$and`.
 */
export function agencyMatch(agencyCode: string, query: AgencyQuery): Filter<MongoReadDoc> {
  const match: Filter<MongoReadDoc> = { agencyCode };
  if (query.status) match.status = query.status;
  if (query.field) match.field = query.field;
  if (query.itemType) (match as Record<string, unknown>)['agencyItem.itemType'] = query.itemType;
  const due = dayRange({ from: query.dueFrom, to: query.dueTo });
  if (due.from !== undefined || due.to !== undefined) {
    match.dueAt = { ...(due.from !== undefined ? { $gte: new Date(due.from) } : {}), ...(due.to !== undefined ? { $lte: new Date(due.to) } : {}) };
  }
  if (query.overdueAt) match.$and = [{ $or: [{ status: 'draft', dueAt: { $lt: query.overdueAt } }, { onTime: false }] }];
  return match;
}
