/**
 * A revision's structured content as label/value rows. Labels come from the catalogue's JSON
 * Schema (each property's `description`), else the key itself. Withheld keys arrive with their
 * notice text (依法不予公开（商业秘密）) in place of the value and are flagged as notices.
 */
import type { JsonSchema, Withheld } from '../services/types';

export interface ContentLine {
  label: string;
  text: string;
}

export interface ContentGroup {
  title: string;
  lines: ContentLine[];
}

export interface ContentRow {
  key: string;
  label: string;
  text: string;
  notice: boolean;
  groups: ContentGroup[];
}

/**
 * A description such as `结果（allocated 已分配／waiting 轮候／rejected 未通过）` names its enum
 * values: split it into the label (结果) and the value names.
 */
function describe(key: string, schema: JsonSchema | undefined): { label: string; names: Record<string, string> } {
  const description = schema && schema.description ? schema.description : key;
  const names: Record<string, string> = {};
  const match = schema && schema.enum ? /^(.*)（([^（）]+)）$/.exec(description) : null;
  if (!match) return { label: description, names };
  for (const part of (match[2] || '').split('／')) {
    const [code, ...rest] = part.trim().split(/\s+/);
    if (code && rest.length) names[code] = rest.join(' ');
  }
  return Object.keys(names).length ? { label: match[1] || key, names } : { label: description, names: {} };
}

function scalarText(value: unknown, names: Record<string, string> = {}): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'string' || typeof value === 'number') return names[String(value)] || String(value);
  if (Array.isArray(value)) return value.map((v) => scalarText(v)).filter(Boolean).join('、');
  return Object.values(value as Record<string, unknown>)
    .map((v) => scalarText(v))
    .filter(Boolean)
    .join('，');
}

function linesOf(obj: Record<string, unknown>, schema: JsonSchema | undefined): ContentLine[] {
  const props = (schema && schema.properties) || {};
  return Object.keys(obj)
    .filter((k) => obj[k] !== undefined && obj[k] !== null && obj[k] !== '')
    .map((k) => {
      const { label, names } = describe(k, props[k]);
      return { label, text: scalarText(obj[k], names) };
    });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function contentRows(
  content: Record<string, unknown>,
  withheld: Withheld[] = [],
  schema?: JsonSchema,
): ContentRow[] {
  const props = (schema && schema.properties) || {};
  const notices: Record<string, string> = {};
  for (const w of withheld) notices[w.path] = w.notice;
  return Object.keys(content)
    .filter((key) => content[key] !== undefined && content[key] !== null)
    .map((key) => {
      const value = content[key];
      const { label, names } = describe(key, props[key]);
      const row: ContentRow = { key, label, text: '', notice: false, groups: [] };
      if (key in notices) {
        row.notice = true;
        row.text = typeof value === 'string' && value ? value : notices[key] || '依法不予公开';
      } else if (Array.isArray(value) && value.some(isObject)) {
        const itemSchema = props[key] ? props[key].items : undefined;
        row.text = `共 ${value.length} 项`;
        row.groups = value.map((v, i) => ({
          title: `第 ${i + 1} 项`,
          lines: isObject(v) ? linesOf(v, itemSchema) : [{ label: '内容', text: scalarText(v) }],
        }));
      } else if (isObject(value)) {
        row.groups = [{ title: '', lines: linesOf(value, props[key]) }];
      } else {
        row.text = scalarText(value, names);
      }
      return row;
    });
}
