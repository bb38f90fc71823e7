import type { Connection } from 'mongoose';
import { z } from 'zod';
import { auditModel, type AuditRecord } from './audit.ts';
import { isoDate } from './disclosures/input.ts';
import { ValidationError } from './errors.ts';

/** A day (`2026-10-09`, read as China time: from its start, to its end) or an ISO date-time. */
const dayOrInstant = z.union([isoDate, z.iso.datetime({ offset: true })], {
  error: 'must be a date YYYY-MM-DD or an ISO 8601 date-time with its offset',
});

export const auditQuery = z
  .object({
    action: z
      .string()
      .regex(/^[a-z][a-z.-]{1,60}$/, { error: 'must be an action such as disclosure.publish' })
      .optional()
      .describe('操作，如 disclosure.publish、disclosure.approve、key.create'),
    subject: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,100}$/, { error: 'must be an id (letters, digits, : _ -)' })
      .optional()
      .describe('对象：事项 id、密钥 id 或机关代码'),
    keyId: z
      .string()
      .regex(/^[0-9a-f]{16}$/, { error: 'must be a key id (16 hex digits)' })
      .optional()
      .describe('操作者的密钥 id'),
    from: dayOrInstant.optional().describe('起（含）：YYYY-MM-DD（北京时间）或 ISO 8601 时间'),
    to: dayOrInstant.optional().describe('止（含）：YYYY-MM-DD（北京时间）或 ISO 8601 时间'),
    cursor: z.string().max(300).optional().describe('上一页返回的 nextCursor'),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('每页条数（JSON）'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

export type AuditQuery = z.infer<typeof auditQuery>;

/** One CSV export at most; a longer one continues from the X-Next-Cursor header. */
export const CSV_PAGE = 10_000;

/** Newest first, scoped to one agency; entries without an agency (none today) are never shown. */
export async function queryAudit(db: Connection, agencyCode: string, query: AuditQuery) {
  const filter: Record<string, unknown> = { agencyCode };
  if (query.action) filter.action = query.action;
  if (query.subject) filter.subject = query.subject;
  if (query.keyId) filter['actor.keyId'] = query.keyId;
  const from = query.from ? instant(query.from, 'start') : undefined;
  const to = query.to ? instant(query.to, 'end') : undefined;
  if (from && to && from > to) throw new ValidationError('invalid range', [{ path: 'to', message: 'must not be before from' }]);
  if (from || to) filter.at = { ...(from ? { $gte: from } : {}), ...(to ? { $lte: to } : {}) };
  const limit = query.format === 'csv' ? CSV_PAGE : query.limit;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const page = after ? { $and: [filter, { $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }] }] } : filter;
  const docs = await auditModel(db)
    .find(page)
    .sort({ at: -1, _id: -1 })
    .limit(limit + 1)
    .lean();
  const items = docs.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = docs.length > limit && last ? encodeCursor(last.at, last._id) : null;
  return { items: items.map(toAuditView), nextCursor };
}

export type AuditView = ReturnType<typeof toAuditView>;

function toAuditView(r: AuditRecord) {
  return {
    id: r._id,
    at: r.at,
    action: r.action,
    actor: r.actor,
    agencyCode: r.agencyCode,
    subject: r.subject,
    contentHash: r.contentHash,
    detail: r.detail,
  };
}

const CSV_COLUMNS: [string, (e: AuditView) => unknown][] = [
  ['时间', (e) => e.at.toISOString()],
  ['操作', (e) => e.action],
  ['操作者类型', (e) => e.actor?.kind],
  ['密钥', (e) => e.actor?.keyId],
  ['角色', (e) => e.actor?.role],
  ['机关', (e) => e.agencyCode],
  ['对象', (e) => e.subject],
  ['内容哈希', (e) => e.contentHash],
  ['详情', (e) => (e.detail ? JSON.stringify(e.detail) : '')],
  ['记录编号', (e) => e.id],
];

/** CSV with a BOM so that Excel reads the Chinese; every cell quoted, formulas defused. */
export function auditCsv(items: AuditView[]): string {
  const lines = [CSV_COLUMNS.map(([header]) => csvCell(header)).join(',')];
  for (const item of items) lines.push(CSV_COLUMNS.map(([, value]) => csvCell(value(item))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Quotes always; a leading = + - @ tab or CR would run as a formula in a spreadsheet. */
export function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return `"${(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
}

function instant(text: string, edge: 'start' | 'end'): Date {
  if (text.length === 10) return new Date(`${text}T${edge === 'start' ? '00:00:00.000' : '23:59:59.999'}+08:00`);
  return new Date(text);
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.getTime()}.${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const match = /^(\d{1,15})\.([A-Za-z0-9:_-]{1,200})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
  return { at: new Date(Number(match[1])), id: match[2]! };
}
