import { catalogueDocument } from '../../../core/catalogue/index.ts';
import { html, type SafeHtml } from '../../render/html.ts';
import { chinaDay } from './format.ts';

/** The part of a JSON Schema node the tables read. */
interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
}

const contentSchemas = new Map<string, SchemaNode | undefined>();

function contentSchema(field: string, itemType: string): SchemaNode | undefined {
  const key = `${field}/${itemType}`;
  if (!contentSchemas.has(key)) {
    const type = catalogueDocument().fields.find((f) => f.code === field)?.itemTypes.find((t) => t.code === itemType);
    contentSchemas.set(key, type?.contentSchema as SchemaNode | undefined);
  }
  return contentSchemas.get(key);
}

/**
 * The catalogue writes an enum's words into its description, 结果（allocated 已分配／waiting 轮候）:
 * the label is what precedes the bracket, and each `code 词` pair names a value.
 */
function labelOf(node: SchemaNode | undefined, key: string): { label: string; words: Map<string, string> } {
  const description = node?.description ?? key;
  const words = new Map<string, string>();
  const bracket = /^(.*?)（([^）]*)）$/.exec(description);
  if (node?.enum && bracket) {
    for (const pair of bracket[2]!.split(/[／/]/)) {
      const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(pair);
      if (m) words.set(m[1]!, m[2]!);
    }
    return { label: bracket[1]!, words };
  }
  return { label: description, words };
}

const isRecord = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const isUrl = (v: string) => /^https?:\/\//.test(v);

function scalar(value: unknown, node: SchemaNode | undefined, words: Map<string, string>): SafeHtml {
  if (typeof value === 'boolean') return html`${value ? '是' : '否'}`;
  if (typeof value === 'number') return html`${value.toLocaleString('zh-CN', { maximumFractionDigits: 4 })}`;
  const text = String(value);
  if (words.has(text)) return html`${words.get(text)}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return html`${chinaDay(text)}`;
  if (node?.description === '链接' || (isUrl(text) && !/\s/.test(text))) return html`<a href="${text}" rel="nofollow noopener">${text}</a>`;
  return html`${text}`;
}

function cell(value: unknown, node: SchemaNode | undefined, words: Map<string, string>, notice?: string): SafeHtml {
  if (notice) return html`<em class="notice">${notice}</em>`;
  if (value === undefined || value === null) return html`<span class="muted">—</span>`;
  if (Array.isArray(value)) return listValue(value, node?.items, labelOf(node, '').label);
  if (isRecord(value)) return objectTable(value, node, new Map());
  return scalar(value, node, words);
}

function listValue(values: unknown[], item: SchemaNode | undefined, caption: string): SafeHtml {
  if (!values.every(isRecord)) {
    const words = labelOf(item, '').words;
    return html`<ul>${values.map((v) => html`<li>${scalar(v, item, words)}</li>`)}</ul>`;
  }
  // A table of objects: the columns are the schema's keys that any row fills, in schema order.
  const keys = Object.keys(item?.properties ?? {});
  const extra = [...new Set(values.flatMap((v) => Object.keys(v as Record<string, unknown>)))].filter((k) => !keys.includes(k));
  const columns = [...keys, ...extra].filter((k) => values.some((v) => (v as Record<string, unknown>)[k] !== undefined));
  const heads = columns.map((k) => ({ key: k, node: item?.properties?.[k], ...labelOf(item?.properties?.[k], k) }));
  // Focusable, so a keyboard can scroll a table wider than a phone.
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${caption}"><table><caption>${caption}（共 ${values.length} 项）</caption>
<thead><tr>${heads.map((h) => html`<th scope="col">${h.label}</th>`)}</tr></thead>
<tbody>${values.map((row) => html`<tr>${heads.map((h) => html`<td>${cell((row as Record<string, unknown>)[h.key], h.node, h.words)}</td>`)}</tr>`)}</tbody></table></div>`;
}

function objectTable(value: Record<string, unknown>, node: SchemaNode | undefined, notices: Map<string, string>): SafeHtml {
  const keys = Object.keys(node?.properties ?? {});
  const ordered = [...keys, ...Object.keys(value).filter((k) => !keys.includes(k))].filter((k) => value[k] !== undefined || notices.has(k));
  return html`<table class="kv content-kv"><tbody>${ordered.map((key) => {
    const child = node?.properties?.[key];
    const { label, words } = labelOf(child, key);
    // A 回应 names the item it answers by id: a link reads better than 24 hex digits.
    const answered = key === 'respondsTo' && typeof value[key] === 'string' && /^[0-9a-f]{24}$/.test(value[key]) && !notices.has(key);
    const shown = answered ? html`<a href="/disclosures/${value[key] as string}">查看所回应的信息</a>` : cell(value[key], child, words, notices.get(key));
    return html`<tr><th scope="row">${label}</th><td>${shown}</td></tr>`;
  })}</tbody></table>`;
}

/**
 * A revision's public content as tables labelled from the item type's schema. `content` is the
 * public view's (withheld keys already hold their notice); `withheld` names those keys, so
 * they are shown as notices rather than read as values.
 */
export function contentTables(field: string, itemType: string, content: Record<string, unknown>, withheld: readonly { path: string; notice: string }[]): SafeHtml {
  const notices = new Map(withheld.map((w) => [w.path, w.notice]));
  return objectTable(content, contentSchema(field, itemType), notices);
}
