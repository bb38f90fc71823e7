/** Display helpers shared by the pages. Pure functions: no wx calls. */
import type { Catalogue, DisclosureListItem, DisclosureStatus, DisclosureSummary, Subscription } from '../services/types';
import { snippetLines } from './highlight';
import type { Segment } from './highlight';

export const STATUS_LABELS: Record<DisclosureStatus, string> = {
  published: '已发布',
  corrected: '已更正',
  withdrawn: '已撤回',
};

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A date for residents, in China time: `2026-03-01` stays as it is; a timestamp becomes
 * `2026-03-01 09:30`. Intl is not used: its support differs between devices.
 */
export function formatDate(value: string | undefined): string {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return value;
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export interface DisclosureCard {
  id: string;
  title: string;
  agencyName: string;
  category: string;
  region: string;
  date: string;
  status: DisclosureStatus;
  statusLabel: string;
  /** Search results only: the title with its matched words, and the matched text when it was not the title. */
  titleSegments?: Segment[];
  excerpt?: Segment[];
}

/** One list entry as the lists show it. */
export function toCard(item: DisclosureSummary): DisclosureCard {
  return {
    id: item.id,
    title: item.title,
    agencyName: item.agency ? item.agency.name : '',
    category: [item.fieldName || item.field, item.itemTypeName || item.itemType].filter(Boolean).join(' · '),
    region: item.region || '',
    date: formatDate(item.publishedAt || item.formedAt),
    status: item.status,
    statusLabel: STATUS_LABELS[item.status] || item.status,
  };
}

/** A search result: the card, highlighted where the keywords matched. */
export function toSearchCard(item: DisclosureListItem): DisclosureCard {
  return { ...toCard(item), ...snippetLines(item.snippet, item.title) };
}

/** `住房保障 · 分配结果 · 110105`, `申请编号 HD2026-0001`: what a subscription watches. */
export function describeSubscription(s: Subscription, catalogue?: Catalogue): string {
  const field = catalogue && s.field ? catalogue.fields.find((f) => f.code === s.field) : undefined;
  const itemType = field && s.itemType ? field.itemTypes.find((t) => t.code === s.itemType) : undefined;
  const parts = [
    s.field ? (field ? field.name : s.field) : '',
    s.itemType ? (itemType ? itemType.name : s.itemType) : '',
    s.region || '',
    s.agency ? `发布机关 ${s.agency}` : '',
    s.projectCode ? `项目 ${s.projectCode}` : '',
    s.applicationNumber ? `申请编号 ${s.applicationNumber}` : '',
    s.keywords ? `关键词 ${s.keywords}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : '全部公开信息';
}
