import { oaTemplateData, mpTemplateData, type TemplateData } from '../../channels/wechat/template-data.ts';
import { buildStatusText, codePoints, WEIBO_MAX_LENGTH } from '../../channels/weibo/status-text.ts';
import { MESSAGE_PARTS, templateData, type MessagePart, type TemplateMapping } from '../../channels/wechat/template-mapping.ts';
import { webhookPayload } from '../../channels/webhook/webhook.channel.ts';
import type { OutgoingMessage } from '../../channels/types.ts';
import { buildFeed } from '../feeds/build-feed.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { buildMessage, type MessageSite } from './message.ts';
import type { ChangeKey } from './outbox-keys.ts';

/** What each template key is made from, so the preview can show where WeChat's limits cut. */
const OA_SOURCES: Record<string, { label: string; from: (m: OutgoingMessage) => string; limit?: number }> = {
  thing1: { label: '标题', from: (m) => m.title, limit: 20 },
  thing2: { label: '发布机关', from: (m) => m.agencyName, limit: 20 },
  thing3: { label: '事项类型', from: (m) => m.itemTypeName, limit: 20 },
  time4: { label: '发布时间', from: () => '' },
};
const MP_SOURCES: Record<string, { label: string; from: (m: OutgoingMessage) => string; limit?: number }> = {
  thing1: { label: '标题', from: (m) => m.title, limit: 20 },
  thing2: { label: '发布机关', from: (m) => m.agencyName, limit: 20 },
  time3: { label: '发布时间', from: () => '' },
  thing4: { label: '备注', from: () => '', limit: 20 },
};

/** The sources of a configured mapping's keys: each key's message part. */
function mappedSources(mapping: TemplateMapping): typeof OA_SOURCES {
  const from: Partial<Record<MessagePart, (m: OutgoingMessage) => string>> = { title: (m) => m.title, agency: (m) => m.agencyName, summary: (m) => m.summary };
  return Object.fromEntries(
    Object.entries(mapping).map(([key, part]) => [key, { label: MESSAGE_PARTS[part], from: from[part] ?? (() => ''), ...(/^thing\d/.test(key) ? { limit: 20 } : {}) }]),
  );
}

/** The accounts' template mappings (WECHAT_OA_TEMPLATE_MAP / WECHAT_MP_TEMPLATE_MAP), as the channels use them. */
export interface PreviewTemplates {
  oa?: TemplateMapping;
  mp?: TemplateMapping;
}

function fields(data: TemplateData, sources: typeof OA_SOURCES, message: OutgoingMessage) {
  return Object.entries(data).map(([key, { value }]) => {
    const source = sources[key];
    const full = source?.from(message) ?? '';
    return { key, label: source?.label ?? key, value, ...(source?.limit ? { limit: source.limit } : {}), truncated: Boolean(full) && value.endsWith('…') && value !== full };
  });
}

/**
 * The item as it would be once its pending revision goes public: a draft previews as its first
 * publication, a correction in review as the correction. Nothing is written.
 */
function asPublished(doc: DisclosureRecord, now: Date): { doc: DisclosureRecord; change: ChangeKey } {
  if (doc.status === 'withdrawn') return { doc, change: 'withdrawn' };
  const latest = doc.revisions[doc.revisions.length - 1]!;
  if (latest.publishedAt) return { doc, change: `r${latest.n}` };
  const revisions = doc.revisions.map((r) => (r.n === latest.n ? { ...r, publishedAt: now } : r));
  return {
    doc: { ...doc, revisions, status: latest.n > 1 ? 'corrected' : 'published', publishedAt: doc.publishedAt ?? now, lastPublishedAt: now, publicChangedAt: now },
    change: `r${latest.n}`,
  };
}

/**
 * Every channel's payload for one item, made by the functions that send it (buildMessage, the
 * WeChat template data, the Weibo status text, the feed, the webhook body), from the public view:
 * withheld values appear as their notices, as they would go out.
 */
export function previewChannels(record: DisclosureRecord, site: MessageSite, now: Date, templates: PreviewTemplates = {}) {
  const { doc, change } = asPublished(record, now);
  const message = buildMessage(doc, change, site);
  // As the channels do: the configured mapping when there is one, the built-in keys otherwise.
  const oa = templates.oa ? templateData(templates.oa, message) : oaTemplateData(message);
  const mp = templates.mp ? templateData(templates.mp, message) : mpTemplateData(message);
  const oaSources = templates.oa ? mappedSources(templates.oa) : OA_SOURCES;
  const mpSources = templates.mp ? mappedSources(templates.mp) : MP_SOURCES;
  const weibo = buildStatusText(message);
  const rss = buildFeed([doc], 'rss', { baseUrl: site.baseUrl, selfQuery: '/feeds/rss.xml' }).body;
  return {
    change,
    message: { kind: message.kind, title: message.title, summary: message.summary, url: message.url },
    channels: {
      'wechat-oa': { data: oa, fields: fields(oa, oaSources, message), url: message.url },
      'wechat-mp': { data: mp, fields: fields(mp, mpSources, message), ...(message.miniProgramPage ? { page: message.miniProgramPage } : {}) },
      weibo: { text: weibo, length: codePoints(weibo), limit: WEIBO_MAX_LENGTH },
      rss: { item: /<item>[\s\S]*<\/item>/.exec(rss)?.[0] ?? '' },
      webhook: { payload: webhookPayload(message, now) },
    },
  };
}
