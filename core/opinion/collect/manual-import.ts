import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { disclosureCollection } from '../../models/disclosure.model.ts';
import { ingestReactions, type IngestResult, type ReactionItem } from '../ingest.ts';

/** Manual imports per JSON request: enough for a day's clippings, small enough to score in a request. */
export const MAX_ITEMS = 500;
/** A press officer may note a time a few minutes ahead of the server's clock, not more. */
const FUTURE_SLACK_MS = 10 * 60_000;

const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * When the item was written: ISO 8601 with an offset, or a China-local `YYYY-MM-DD[ HH:mm[:ss]]`
 * (what a press officer copies from a web page). Invalid Date when it is neither.
 */
export function parseReactionTime(text: string): Date {
  const local = LOCAL_TIME.exec(text.trim());
  if (local) {
    const [, day, hh = '00', mm = '00', ss = '00'] = local;
    const date = new Date(`${day}T${hh}:${mm}:${ss}+08:00`);
    // Date rolls 2026-02-30 over to March; a date that does not round-trip was not a real one.
    return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 10) === day ? date : new Date(Number.NaN);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) return new Date(Number.NaN);
  return new Date(text.trim());
}

const reactionTime = z
  .string()
  .max(40)
  .transform((s) => parseReactionTime(s))
  .refine((d) => !Number.isNaN(d.getTime()), { error: '时间格式应为 2026-10-09T10:30:00+08:00 或 2026-10-09 10:30（北京时间）' });

/** One reaction a press officer found (a news comment, a forum post, a 12345 hotline note). */
export const manualItem = z
  .object({
    externalId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: '编号只能包含字母、数字和 _ . : -，最长 100 个字符' })
      .optional()
      .describe('来源平台上的编号；缺省时按链接和正文生成，重复导入不会重复入库'),
    text: z.string().trim().min(1, { error: '正文不能为空' }).max(2000, { error: '正文最长 2000 字' }).describe('正文'),
    author: z.string().trim().min(1).max(100, { error: '作者最长 100 字' }).optional().describe('公开账号或媒体名称（勿填个人真实姓名）'),
    url: z.url({ protocol: /^https?$/, error: '链接应为 http(s) 地址' }).max(2000).optional().describe('原文链接'),
    at: reactionTime.describe('发表时间'),
    disclosureId: z.string().regex(/^[0-9a-f]{24}$/, { error: '应为公开事项编号（24 位十六进制）' }).optional().describe('所涉公开事项'),
  })
  .strict();

export type ManualItem = z.output<typeof manualItem>;

export const manualImportInput = z
  .object({ items: z.array(manualItem).min(1, { error: '至少一条' }).max(MAX_ITEMS, { error: `每次最多 ${MAX_ITEMS} 条` }) })
  .strict();

/** Shown when a manual item names no author: no platform id to hash, and never a guessed name. */
export const UNNAMED_AUTHOR = '未署名';

/** A hash of link and text, so importing the same clipping twice stores it once. */
export function manualExternalId(url: string | undefined, text: string): string {
  return `h${createHash('sha256').update(`${url ?? ''}\n${text}`).digest('hex').slice(0, 32)}`;
}

/** Which of `ids` are the agency's own disclosures, which another agency's, and which do not exist. */
export async function disclosureOwners(db: Connection, agencyCode: string, ids: string[]): Promise<Map<string, 'own' | 'foreign'>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const found = await disclosureCollection(db)
    .find({ _id: { $in: unique.map((id) => new Types.ObjectId(id)) } }, { projection: { agencyCode: 1 } })
    .toArray();
  return new Map(found.map((d) => [d._id.toHexString(), d.agencyCode === agencyCode ? 'own' : 'foreign']));
}

export function toReactionItem(item: ManualItem, agencyCode: string): ReactionItem {
  return {
    source: 'manual',
    externalId: item.externalId ?? manualExternalId(item.url, item.text),
    agencyCode,
    ...(item.disclosureId ? { disclosureId: item.disclosureId } : {}),
    text: item.text,
    author: item.author ?? UNNAMED_AUTHOR,
    ...(item.url ? { url: item.url } : {}),
    at: item.at,
  };
}

/** A time in the future is a typo (often the year), not a reaction. */
export function futureProblem(item: ManualItem, now: Date): string | undefined {
  return item.at.getTime() > now.getTime() + FUTURE_SLACK_MS ? '发表时间晚于当前时间' : undefined;
}

/**
 * Stores a press officer's JSON import for their agency. All or nothing on the request's own
 * faults: a disclosure of another agency is refused (403), an unknown one or a future time is
 * a 400 naming the item, and nothing is stored then.
 */
export async function importManualReactions(db: Connection, agencyCode: string, items: ManualItem[], now: Date): Promise<IngestResult> {
  const owners = await disclosureOwners(db, agencyCode, items.flatMap((i) => (i.disclosureId ? [i.disclosureId] : [])));
  const problems: { path: string; message: string }[] = [];
  items.forEach((item, i) => {
    const owner = item.disclosureId ? owners.get(item.disclosureId) : 'own';
    if (owner === 'foreign') throw new ForbiddenError(`items.${i}.disclosureId belongs to another agency`);
    if (!owner) problems.push({ path: `items.${i}.disclosureId`, message: '没有这个公开事项' });
    const future = futureProblem(item, now);
    if (future) problems.push({ path: `items.${i}.at`, message: future });
  });
  if (problems.length) throw new ValidationError(`invalid ${problems.map((p) => p.path).join(', ')}`, problems);
  return ingestReactions(db, items.map((item) => toReactionItem(item, agencyCode)), now);
}
