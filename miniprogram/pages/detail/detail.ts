/**
 * 详情: one disclosure in full. Withdrawn ones carry a prominent banner with the reason;
 * corrected ones say 已更正 and list every revision with its change note. Withheld values
 * arrive as their notice text and are shown as notices, not as ordinary values.
 */
import { api, errorMessage } from '../../services/api';
import type { Catalogue, Disclosure, JsonSchema, Revision } from '../../services/types';
import { contentRows } from '../../utils/content';
import type { ContentRow } from '../../utils/content';
import { formatDate, STATUS_LABELS } from '../../utils/format';
import { toast } from '../../utils/ui';

type State = 'loading' | 'ready' | 'error';

interface RevisionLine {
  n: number;
  title: string;
  note: string;
  date: string;
  current: boolean;
}

function schemaFor(catalogue: Catalogue | undefined, d: Disclosure): JsonSchema | undefined {
  const field = catalogue ? catalogue.fields.find((f) => f.code === d.field) : undefined;
  const itemType = field ? field.itemTypes.find((t) => t.code === d.itemType) : undefined;
  return itemType ? itemType.contentSchema : undefined;
}

function view(d: Disclosure, catalogue: Catalogue | undefined) {
  const current: Revision | undefined = d.current || d.revisions[d.revisions.length - 1];
  const revisions: RevisionLine[] = d.revisions
    .map((r) => ({ n: r.n, title: r.title, note: r.note || '', date: formatDate(r.publishedAt), current: r.n === (current ? current.n : -1) }))
    .reverse();
  return {
    title: (current && current.title) || d.title,
    agencyName: d.agency ? d.agency.name : '',
    category: [d.fieldName || d.field, d.itemTypeName || d.itemType].filter(Boolean).join(' · '),
    region: d.region || '',
    formedAt: formatDate(d.formedAt),
    publishedAt: formatDate(d.publishedAt),
    status: d.status,
    statusLabel: STATUS_LABELS[d.status] || d.status,
    withdrawn: d.status === 'withdrawn',
    withdrawnReason: (d.withdrawn && d.withdrawn.reason) || '',
    withdrawnAt: formatDate(d.withdrawn && d.withdrawn.at),
    corrected: d.status === 'corrected' || revisions.length > 1,
    revisions,
    rows: current ? contentRows(current.content || {}, current.withheld || [], schemaFor(catalogue, d)) : [],
    attachments: current ? (current.attachments || []).map((a) => ({ name: a.name, url: a.url })) : [],
  };
}

Component({
  data: {
    /** From the page's query: /pages/detail/detail?id=… */
    disclosureId: '',
    state: 'loading' as State,
    errorMessage: '',
    title: '',
    agencyName: '',
    category: '',
    region: '',
    formedAt: '',
    publishedAt: '',
    status: '',
    statusLabel: '',
    withdrawn: false,
    withdrawnReason: '',
    withdrawnAt: '',
    corrected: false,
    revisions: [] as RevisionLine[],
    rows: [] as ContentRow[],
    attachments: [] as { name: string; url: string }[],
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ disclosureId: query && query.id ? decodeURIComponent(query.id) : '' });
      void this.load();
    },
    async load() {
      if (!this.data.disclosureId) {
        this.setData({ state: 'error', errorMessage: '未找到相关信息' });
        return;
      }
      this.setData({ state: 'loading', errorMessage: '' });
      try {
        const [disclosure, catalogue] = await Promise.all([
          api.disclosure(this.data.disclosureId),
          // Labels only: without the catalogue the content keys are shown as they are.
          api.catalogue().catch(() => undefined),
        ]);
        this.setData({ state: 'ready', ...view(disclosure, catalogue) });
      } catch (err) {
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    onRetry() {
      void this.load();
    },
    onCopyLink(e: WechatMiniprogram.BaseEvent<{}, { url?: string }>) {
      const url = e.currentTarget.dataset.url;
      if (!url) return;
      wx.setClipboardData({
        data: url,
        success: () => toast('链接已复制，可在浏览器中打开'),
      });
    },
  },
});
