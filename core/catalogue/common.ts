/**
 * Small zod pieces shared by the catalogue. Every helper takes the Chinese label and ends
 * with `.describe()` so the JSON Schema served to form builders carries it; callers add
 * `.optional()` afterwards, which keeps the label.
 */
import { z } from 'zod';

/** Bounds that keep a single request small whatever the item type. */
export const LIMITS = {
  name: 200,
  shortText: 500,
  text: 2000,
  longText: 5000,
  list: 500,
  results: 5000,
  /** 十万亿元: above any real allocation, low enough to stay an exact double in fen. */
  money: 1e13,
} as const;

export function text(label: string, max: number = LIMITS.name) {
  return z.string().trim().min(1).max(max).describe(label);
}

export function longText(label: string) {
  return text(label, LIMITS.longText);
}

/** A published name of an agency, enterprise or project. */
export function orgName(label: string) {
  return text(label, LIMITS.name);
}

/** 统一社会信用代码 (GB 32100-2015); the check digit is not verified, only the alphabet and shape. */
export const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function creditCode(label = '统一社会信用代码') {
  return z.string().trim().regex(CREDIT_CODE, '不是有效的统一社会信用代码').describe(label);
}

/** A calendar date `YYYY-MM-DD`; zod's ISO date pattern rejects impossible days such as 02-30. */
export function date(label: string) {
  return z.iso.date('应为真实存在的日期 YYYY-MM-DD').describe(label);
}

/** Deadlines and opening times carry a time of day; local (Beijing) time or an explicit offset. */
export function dateTime(label: string) {
  return z.iso.datetime({ local: true, offset: true }).describe(label);
}

/** Money in yuan (元), non-negative, at most two decimals (fen). */
export function money(label: string) {
  return z.number().nonnegative().max(LIMITS.money).multipleOf(0.01).describe(label);
}

/** Audited figures such as net profit can be negative. */
export function signedMoney(label: string) {
  return z.number().min(-LIMITS.money).max(LIMITS.money).multipleOf(0.01).describe(label);
}

/** A non-negative measure (area, volume) with up to four decimals, e.g. hectares. */
export function measure(label: string) {
  return z.number().nonnegative().max(1e10).multipleOf(0.0001).describe(label);
}

export function count(label: string) {
  return z.number().int().nonnegative().max(1e9).describe(label);
}

export function percent(label: string) {
  return z.number().min(0).max(100).multipleOf(0.0001).describe(label);
}

export function year(label = '年度') {
  return z.number().int().min(1949).max(2200).describe(label);
}

/** Term of a right or contract in whole years (e.g. 70-year residential land). */
export function years(label: string) {
  return z.number().int().min(1).max(100).describe(label);
}

export function url(label: string) {
  return z.url({ protocol: /^https?$/ }).max(2000).describe(label);
}

export function list<T extends z.ZodType>(item: T, label: string, max: number = LIMITS.list) {
  return z.array(item).min(1).max(max).describe(label);
}

export function textList(label: string, itemLabel: string, max: number = LIMITS.list) {
  return list(text(itemLabel), label, max);
}

/** A period whose end is not before its start; the issue points at `to`. */
export function period(label: string, fromLabel = '起始日期', toLabel = '截止日期') {
  return z
    .strictObject({ from: date(fromLabel), to: date(toLabel) })
    .describe(label)
    .refine((p) => p.to >= p.from, { path: ['to'], message: '截止日期不得早于起始日期' });
}

/** A legal person or organisation named in a disclosure. */
export function party(label: string) {
  return z
    .strictObject({
      name: orgName('名称'),
      creditCode: creditCode().optional(),
    })
    .describe(label);
}

export function contact(label = '联系方式') {
  return z
    .strictObject({
      organisation: orgName('联系单位').optional(),
      person: text('联系人', 50).optional(),
      phone: z.string().trim().regex(/^[0-9+\-() ]{3,40}$/, '不是有效的电话号码').describe('联系电话').optional(),
      address: text('地址').optional(),
      email: z.email().max(200).describe('电子邮箱').optional(),
    })
    .describe(label);
}

export function attachments(label = '附件') {
  return list(z.strictObject({ title: text('附件名称'), url: url('链接') }), label, 100);
}

/** 文号 such as 建保〔2026〕12号. */
export function documentNumber(label = '文号') {
  return text(label, 100);
}

/** Rejects a list where two entries share `key`; the issue points at the later entry's key. */
export function uniqueBy<K extends string>(key: K, message: string) {
  return (entries: Record<K, unknown>[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    entries.forEach((entry, i) => {
      if (seen.has(entry[key])) ctx.addIssue({ code: 'custom', path: [i, key], message });
      seen.add(entry[key]);
    });
  };
}
