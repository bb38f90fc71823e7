import { catalogue } from '../../../core/catalogue/index.ts';

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** A moment as the resident reads it: China time, 2026年11月20日 10:05. */
export function chinaDateTime(value: Date | string | undefined): string {
  if (!value) return '';
  const d = new Date(new Date(value).getTime() + CHINA_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** A calendar day (YYYY-MM-DD) as 2026年9月25日. */
export function chinaDay(day: string | undefined): string {
  const m = day ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null;
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (day ?? '');
}

/** A moment as an ISO date-time with +08:00, for <time datetime> and JSON-LD. */
export function isoChina(value: Date | string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(new Date(value).getTime() + CHINA_OFFSET_MS);
  return d.toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

export const BASIS_TEXT: Record<string, string> = { approve: '批准', implement: '实施', produce: '制作' };
export const STATUS_TEXT: Record<string, string> = { published: '已公开', corrected: '已更正', withdrawn: '已撤回', draft: '草稿' };

export const FIELD_NAMES: Record<string, string> = Object.fromEntries(catalogue.map((f) => [f.code, f.name]));
export const ITEM_TYPE_NAMES: Record<string, string> = Object.fromEntries(catalogue.flatMap((f) => f.itemTypes.map((t) => [t.code, t.name])));

/** The fields in the catalogue's order, the blacklist last. */
export const FIELDS = catalogue.map((f) => ({ code: f.code, name: f.name }));

