import { z } from 'zod';
import { FIELD_CODES } from '../catalogue/types.ts';
import type { PublicPage, ReadModel } from '../read-model/types.ts';
import { agencyCode, isoDate, itemTypeCode, projectCode, regionCode } from './input.ts';

export { PUBLIC_STATUSES } from './public-statuses.ts';

/** The public filters, shared by the list API and the feeds. */
export const publicFilterQuery = z.object({
  field: z.enum(FIELD_CODES).optional().describe('领域'),
  itemType: itemTypeCode.optional().describe('事项类型'),
  region: regionCode.optional().describe('行政区划代码；110000 含其下辖区县'),
  agency: agencyCode.optional().describe('发布机关代码'),
  projectCode: projectCode.optional().describe('项目代码'),
  from: isoDate.optional().describe('发布日期起（含）'),
  to: isoDate.optional().describe('发布日期止（含）'),
  q: z.string().trim().min(1).max(100).optional().describe('关键词（中文分词检索；每个词都须出现）'),
});

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

export const listQuery = publicFilterQuery
  .extend({
    sort: z
      .enum(['date', 'relevance'], { error: 'must be date or relevance' })
      .optional()
      .describe('排序：date 按发布时间（默认），relevance 按相关度（需 q；BM25 并考虑时效）'),
    facets: booleanFlag.optional().describe('为 true 时返回当前筛选条件下按领域、事项类型、地区、机关、年份的计数'),
    cursor: z.string().max(200).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('每页条数'),
  })
  .strict()
  .refine((q) => q.sort !== 'relevance' || q.q, { error: 'sort=relevance needs a q to rank by', path: ['sort'] });

export type ListQuery = z.infer<typeof listQuery>;

/** The public list (newest first, or ranked for a `q`), with facets and snippets when asked. */
export function listPublic(readModel: ReadModel, query: ListQuery): Promise<PublicPage> {
  return readModel.listPublic(query);
}
