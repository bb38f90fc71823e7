import type { Filter } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { FIELD_CODES } from '../catalogue/types.ts';
import { ValidationError } from '../errors.ts';
import { disclosureCollection, type DisclosureRecord } from '../models/disclosure.model.ts';
import { regionPrefix } from './create.ts';
import { agencyCode, isoDate, itemTypeCode, projectCode, regionCode } from './input.ts';
import { queryTokens } from './search-tokens.ts';

export const PUBLIC_STATUSES = ['published', 'corrected', 'withdrawn'] as const;

export const listQuery = z
  .object({
    field: z.enum(FIELD_CODES).optional().describe('领域'),
    itemType: itemTypeCode.optional().describe('事项类型'),
    region: regionCode.optional().describe('行政区划代码；110000 含其下辖区县'),
    agency: agencyCode.optional().describe('发布机关代码'),
    projectCode: projectCode.optional().describe('项目代码'),
    from: isoDate.optional().describe('发布日期起（含）'),
    to: isoDate.optional().describe('发布日期止（含）'),
    q: z.string().trim().min(1).max(100).optional().describe('关键词（中文分词检索）'),
    cursor: z.string().max(200).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('每页条数'),
  })
  .strict();

export type ListQuery = z.infer<typeof listQuery>;

/** The public filter for a query: only what has been made public, never drafts. */
export function publicFilter(query: Omit<ListQuery, 'cursor' | 'limit'>): Filter<DisclosureRecord> {
  const filter: Filter<DisclosureRecord> = { status: { $in: [...PUBLIC_STATUSES] } };
  if (query.field) filter.field = query.field;
  if (query.itemType) filter.itemType = query.itemType;
  if (query.region) filter.regionPath = regionPrefix(query.region);
  if (query.agency) filter.agencyCode = query.agency;
  if (query.projectCode) filter.projectCode = query.projectCode;
  if (query.from || query.to) {
    filter.publishedAt = {
      ...(query.from ? { $gte: new Date(`${query.from}T00:00:00+08:00`) } : {}),
      ...(query.to ? { $lte: new Date(`${query.to}T23:59:59.999+08:00`) } : {}),
    };
  }
  const tokens = query.q ? queryTokens(query.q) : [];
  if (tokens.length) filter.searchTokens = { $all: tokens };
  return filter;
}

// What list pages never need; the public view is computed from the rest.
const LIST_PROJECTION = { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0 } as const;

export async function listPublic(db: Connection, query: ListQuery) {
  const { cursor, limit, ...filters } = query;
  const filter = publicFilter(filters);
  const after = cursor ? decodeCursor(cursor) : undefined;
  const page = after
    ? { $and: [filter, { $or: [{ publishedAt: { $lt: after.at } }, { publishedAt: after.at, _id: { $lt: after.id } }] }] }
    : filter;
  const docs = await disclosureCollection(db)
    .find(page, { projection: LIST_PROJECTION })
    .sort({ publishedAt: -1, _id: -1 })
    .limit(limit + 1)
    .toArray();
  const items = docs.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = docs.length > limit && last?.publishedAt ? encodeCursor(last.publishedAt, last._id) : null;
  return { items, nextCursor };
}

function encodeCursor(at: Date, id: Types.ObjectId): string {
  return Buffer.from(`${at.getTime()}.${id.toHexString()}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: Types.ObjectId } {
  const match = /^(\d{1,15})\.([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
  return { at: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}
