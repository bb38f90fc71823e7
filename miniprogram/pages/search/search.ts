/** 搜索: disclosures matching the keywords (the API segments Chinese text itself). */
import { api, errorMessage } from '../../services/api';
import { config } from '../../services/config';
import { toCard } from '../../utils/format';
import type { DisclosureCard } from '../../utils/format';

type State = 'idle' | 'loading' | 'ready' | 'empty' | 'error';

Component({
  data: {
    keyword: '',
    /** The keywords of the results on screen. */
    searched: '',
    state: 'idle' as State,
    errorMessage: '',
    items: [] as DisclosureCard[],
    nextCursor: '',
    loadingMore: false,
    moreError: '',
  },
  methods: {
    onInput(e: WechatMiniprogram.Input) {
      this.setData({ keyword: String(e.detail.value || '') });
    },
    onSearch() {
      void this.search(this.data.keyword.trim());
    },
    onRetry() {
      void this.search(this.data.searched);
    },
    onReachBottom() {
      void this.loadMore();
    },
    async search(q: string) {
      if (!q) {
        this.setData({ state: 'idle', items: [], nextCursor: '', searched: '' });
        return;
      }
      this.setData({ state: 'loading', errorMessage: '', items: [], nextCursor: '', moreError: '', searched: q });
      try {
        const page = await api.disclosures({ q, limit: config.pageSize });
        if (this.data.searched !== q) return;
        const items = page.items.map(toCard);
        this.setData({ state: items.length ? 'ready' : 'empty', items, nextCursor: page.nextCursor || '' });
      } catch (err) {
        if (this.data.searched !== q) return;
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    async loadMore() {
      const { nextCursor: cursor, searched: q } = this.data;
      if (!cursor || this.data.loadingMore || this.data.state !== 'ready') return;
      this.setData({ loadingMore: true, moreError: '' });
      try {
        const page = await api.disclosures({ q, cursor, limit: config.pageSize });
        if (this.data.searched !== q) return;
        this.setData({ items: this.data.items.concat(page.items.map(toCard)), nextCursor: page.nextCursor || '', loadingMore: false });
      } catch (err) {
        this.setData({ loadingMore: false, moreError: errorMessage(err) });
      }
    },
  },
});
