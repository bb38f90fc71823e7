import { Feed, type Item } from 'feed';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { contentLines } from '../disclosures/labels.ts';
import { disclosurePermalink } from '../disclosures/permalink.ts';
import { toPublicView } from '../disclosures/views.ts';

export const FEED_FORMATS = {
  rss: { file: 'rss.xml', type: 'application/rss+xml; charset=utf-8' },
  atom: { file: 'atom.xml', type: 'application/atom+xml; charset=utf-8' },
  json: { file: 'feed.json', type: 'application/feed+json; charset=utf-8' },
} as const;
export type FeedFormat = keyof typeof FEED_FORMATS;

const MAX_ITEMS = 100;

export interface FeedSite {
  baseUrl: string;
  /** Path and query of this feed, for self links. */
  selfQuery: string;
}

/**
 * One entry per published revision (a correction is news of its own) and one per withdrawal.
 * GUIDs name the disclosure and revision, so they never change once issued.
 */
export function buildFeed(docs: DisclosureRecord[], format: FeedFormat, site: FeedSite): { body: string; lastModified?: Date } {
  // The `feed` package puts titles and summaries in CDATA as they are (Atom even marks them
  // type="html") and escapes only & in attributes: escape for XML formats ourselves.
  const text = format === 'json' ? clean : (s: string) => escapeHtml(clean(s));
  const attr = format === 'json' ? clean : (s: string) => clean(s).replace(/[&<>"]/g, (c) => FULL_WIDTH[c]!);
  const items: Item[] = [];
  const attachmentsById = new Map<string, { url: string; mime_type: string; title: string }[]>();
  let lastModified = new Date(0);
  for (const doc of docs) {
    const view = toPublicView(doc);
    const link = disclosurePermalink(site.baseUrl, view.id);
    const categories = [view.fieldName, view.itemTypeName, view.agency.name]
      .filter((name): name is string => Boolean(name))
      .map((name) => ({ name: attr(name), term: attr(name) }));
    for (const revision of view.revisions) {
      const date = revision.publishedAt!;
      if (date > lastModified) lastModified = date;
      const id = `urn:gongkai:disclosure:${view.id}:revision:${revision.n}`;
      const summary = [`${view.agency.name}｜${view.itemTypeName ?? view.itemType}｜形成日期 ${view.formedAt}`];
      if (revision.note) summary.push(`变更说明：${revision.note}`);
      const [first] = revision.attachments;
      attachmentsById.set(
        id,
        revision.attachments.map((a) => ({ url: safeUrl(a.url), mime_type: mimeType(a.url), title: clean(a.name) })),
      );
      items.push({
        title: text(revision.n > 1 ? `【更正】${revision.title}` : revision.title),
        id,
        guid: id,
        link: revision.n > 1 ? disclosurePermalink(site.baseUrl, view.id, revision.n) : link,
        date,
        published: date,
        description: text(summary.join('\n')),
        content: clean(renderHtml(contentLines(doc.field, doc.itemType, revision.content), revision.attachments)),
        // Readers de-duplicate by GUID and rarely re-show edits: a correction is its own item, tagged 变更.
        category: revision.n > 1 ? [...categories, { name: '变更', term: '变更' }] : categories,
        author: [{ name: attr(view.agency.name) }],
        ...(first ? { enclosure: { url: safeUrl(first.url), type: mimeType(first.url), length: 0, title: attr(first.name) } } : {}),
      });
    }
    if (view.withdrawn?.at) {
      if (view.withdrawn.at > lastModified) lastModified = view.withdrawn.at;
      items.push({
        title: text(`【撤回】${view.title}`),
        id: `urn:gongkai:disclosure:${view.id}:withdrawn`,
        guid: `urn:gongkai:disclosure:${view.id}:withdrawn`,
        link,
        date: view.withdrawn.at,
        description: text(`撤回理由：${view.withdrawn.reason ?? ''}`),
        category: [...categories, { name: '撤回', term: '撤回' }],
      });
    }
  }
  items.sort((a, b) => b.date.getTime() - a.date.getTime() || (a.id! < b.id! ? 1 : -1));
  const feed = new Feed({
    id: `${site.baseUrl}/feeds/`,
    title: '公开 · 公共资源配置领域政府信息公开',
    description: '住房保障、国有土地使用权出让、矿业权出让、政府采购、国有产权交易、工程建设项目招标投标及黑名单信息',
    link: `${site.baseUrl}/`,
    language: 'zh-CN',
    ttl: 5,
    updated: lastModified,
    generator: 'gongkai',
    copyright: '政府信息公开',
    feedLinks: Object.fromEntries(
      Object.entries(FEED_FORMATS).map(([name, f]) => [name, `${site.baseUrl}/feeds/${f.file}${site.selfQuery}`]),
    ),
  });
  for (const item of items.slice(0, MAX_ITEMS)) feed.addItem(item);
  const body = format === 'rss' ? feed.rss2() : format === 'atom' ? fixAtomEnclosures(feed.atom1()) : jsonFeed11(feed.json1(), attachmentsById);
  // An empty feed was never modified: no Last-Modified (it said 1 January 1970), only its ETag.
  return items.length ? { body, lastModified } : { body };
}

const FULL_WIDTH: Record<string, string> = { '&': '＆', '<': '＜', '>': '＞', '"': '＂' };

/** feed 6.0.0 writes every Atom enclosure as image/<extension>; put the real media type back. */
function fixAtomEnclosures(xml: string): string {
  return xml.replace(/(<link rel="enclosure" href="([^"]*)"[^>]*?) type="image\/[^"]*"/g, (_m, head: string, href: string) =>
    `${head} type="${mimeType(href.replace(/&amp;/g, '&'))}"`,
  );
}

/** feed 6.0.0 writes JSON Feed 1.0 without attachments; bring it to 1.1 with them. */
function jsonFeed11(json: string, attachmentsById: Map<string, { url: string; mime_type: string; title: string }[]>): string {
  const feed = JSON.parse(json) as { version: string; language?: string; items: { id: string; attachments?: unknown[] }[] };
  feed.version = 'https://jsonfeed.org/version/1.1';
  feed.language = 'zh-CN';
  for (const item of feed.items) {
    const attachments = attachmentsById.get(item.id);
    if (attachments?.length) item.attachments = attachments;
  }
  return JSON.stringify(feed);
}

function renderHtml(lines: { label: string; text: string }[], attachments: { name: string; url: string }[]): string {
  const rows = lines.map((l) => `<tr><th>${escapeHtml(l.label)}</th><td>${escapeHtml(l.text)}</td></tr>`).join('');
  const files = attachments.map((a) => `<li><a href="${escapeHtml(safeUrl(a.url))}">${escapeHtml(a.name)}</a></li>`).join('');
  return `<table>${rows}</table>${files ? `<ul>${files}</ul>` : ''}`;
}

// Characters XML 1.0 forbids (control characters pasted from Office documents, lone surrogates).
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}

/** Non-ASCII (Chinese file names) percent-encoded, as feed readers expect. */
function safeUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return encodeURI(url);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function mimeType(url: string): string {
  const ext = /\.([a-z0-9]{1,5})(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase();
  const types: Record<string, string> = {
    pdf: 'application/pdf',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    zip: 'application/zip',
    jpg: 'image/jpeg',
    png: 'image/png',
  };
  return (ext && types[ext]) || 'application/octet-stream';
}
