import type { Filter } from 'mongodb';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { isoDate } from '../../disclosures/input.ts';
import { ValidationError } from '../../errors.ts';
import { REACTION_SOURCES, reactionCollection, SENTIMENT_LABELS, type ReactionRecord } from '../../models/reaction.model.ts';
import { knowAgencyNames } from '../agency-names.ts';
import { hotKeywords } from '../keywords.ts';
import { UNCERTAIN_BELOW } from '../sentiment/model.ts';

const disclosureId = z.string().regex(/^[0-9a-f]{24}$/, { error: 'must be a disclosure id (24 hex digits)' });

export const reactionListQuery = z
  .object({
    disclosureId: disclosureId.optional().describe('公开事项编号'),
    source: z.enum(REACTION_SOURCES).optional().describe('来源'),
    label: z.enum(SENTIMENT_LABELS).optional().describe('情感倾向：neg 负面 / neu 中性 / pos 正面'),
    day: isoDate.optional().describe('日期（北京时间）'),
    uncertain: z
      .enum(['true', 'false'])
      .optional()
      .describe(`true：只看模型没有把握的（confidence < ${UNCERTAIN_BELOW}），false：只看有把握的；不含没有 confidence 的旧记录`),
    cursor: z.string().max(300).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(200).default(50).describe('每页条数'),
  })
  .strict();

export type ReactionListQuery = z.infer<typeof reactionListQuery>;

export const keywordQuery = z
  .object({
    disclosureId: disclosureId.optional().describe('公开事项编号'),
    day: isoDate.optional().describe('日期（北京时间）'),
    top: z.coerce.number().int().min(1).max(50).default(10).describe('返回多少个关键词'),
  })
  .strict();

/** Texts read for one keyword answer: the newest this many, so a viral day stays a quick request. */
const KEYWORD_SAMPLE = 2000;

function agencyFilter(
  agencyCode: string,
  q: { disclosureId?: string; source?: string; label?: string; day?: string; uncertain?: 'true' | 'false' },
): Filter<ReactionRecord> {
  return {
    agencyCode,
    ...(q.disclosureId ? { disclosureId: q.disclosureId } : {}),
    ...(q.source ? { source: q.source as ReactionRecord['source'] } : {}),
    ...(q.label ? { 'sentiment.label': q.label as ReactionRecord['sentiment']['label'] } : {}),
    ...(q.day ? { day: q.day } : {}),
    ...(q.uncertain ? { 'sentiment.confidence': q.uncertain === 'true' ? { $lt: UNCERTAIN_BELOW } : { $gte: UNCERTAIN_BELOW } } : {}),
  };
}

/** The agency's reactions, newest first, a page at a time (a cursor as in the disclosure list). */
export async function listReactions(db: Connection, agencyCode: string, query: ReactionListQuery) {
  const filter = agencyFilter(agencyCode, query);
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const page = after ? { $and: [filter, { $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }] }] } : filter;
  const docs = await reactionCollection(db).find(page).sort({ at: -1, _id: -1 }).limit(query.limit + 1).toArray();
  const items = docs.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map(({ _id, ...rest }) => ({ id: _id, ...rest })),
    nextCursor: docs.length > query.limit && last ? Buffer.from(`${last.at.getTime()}|${last._id}`).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const match = /^(\d{1,15})\|(.{1,250})$/s.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
  return { at: new Date(Number(match[1])), id: match[2]! };
}

/** What the agency's public is talking about (jieba TF-IDF over the newest reactions that match). */
export async function reactionKeywords(db: Connection, agencyCode: string, query: z.infer<typeof keywordQuery>) {
  await knowAgencyNames(db);
  const docs = await reactionCollection(db)
    .find(agencyFilter(agencyCode, query), { projection: { text: 1 } })
    .sort({ at: -1 })
    .limit(KEYWORD_SAMPLE)
    .toArray();
  return { keywords: hotKeywords(docs.map((d) => d.text), query.top), basedOn: docs.length };
}
