/**
 * 首页: the latest disclosures, filtered by field (picker from the catalogue) and region
 * (6-digit 行政区划代码), loading more with nextCursor as the resident scrolls.
 * Built with Component() like every page here, so miniprogram-simulate can load it in tests.
 */
import { api, errorMessage } from '../../services/api';
import { config } from '../../services/config';
import type { ListQuery } from '../../services/types';
import { fieldOptions, pickedIndex } from '../../utils/catalogue';
import { toCard } from '../../utils/format';
import type { DisclosureCard } from '../../utils/format';
import { regionError } from '../../utils/validate';

type State = 'loading' | 'ready' | 'empty' | 'error';

Component({
  data: {
    state: 'loading' as State,
    errorMessage: '',
    items: [] as DisclosureCard[],
    nextCursor: '',
    loadingMore: false,
    moreError: '',
    fieldNames: ['全部领域'],
    fieldCodes: [''],
    fieldIndex: 0,
    region: '',
    regionError: '',
    /** The filters of the list on screen: a late answer for other filters is dropped. */
    queryKey: '',
  },
  methods: {
    onLoad() {
      void this.loadCatalogue();
      void this.reload();
    },
    onPullDownRefresh() {
      void this.reload().then(() => wx.stopPullDownRefresh());
    },
    onReachBottom() {
      void this.loadMore();
    },
    query(): ListQuery {
      const field = this.data.fieldCodes[this.data.fieldIndex] || '';
      const query: ListQuery = { limit: config.pageSize };
      if (field) query.field = field;
      if (this.data.region && !regionError(this.data.region)) query.region = this.data.region;
      return query;
    },
    async loadCatalogue() {
      try {
        const options = fieldOptions(await api.catalogue());
        this.setData({ fieldNames: options.names, fieldCodes: options.codes });
      } catch {
        // The list works without the catalogue; the picker just offers 全部领域.
      }
    },
    async reload() {
      const query = this.query();
      const key = JSON.stringify(query);
      this.setData({ state: 'loading', errorMessage: '', items: [], nextCursor: '', moreError: '', queryKey: key });
      try {
        const page = await api.disclosures(query);
        if (this.data.queryKey !== key) return;
        const items = page.items.map(toCard);
        this.setData({ state: items.length ? 'ready' : 'empty', items, nextCursor: page.nextCursor || '' });
      } catch (err) {
        if (this.data.queryKey !== key) return;
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    async loadMore() {
      const cursor = this.data.nextCursor;
      if (!cursor || this.data.loadingMore || this.data.state !== 'ready') return;
      const key = this.data.queryKey;
      this.setData({ loadingMore: true, moreError: '' });
      try {
        const page = await api.disclosures({ ...this.query(), cursor });
        if (this.data.queryKey !== key) return;
        this.setData({
          items: this.data.items.concat(page.items.map(toCard)),
          nextCursor: page.nextCursor || '',
          loadingMore: false,
        });
      } catch (err) {
        if (this.data.queryKey !== key) return;
        this.setData({ loadingMore: false, moreError: errorMessage(err) });
      }
    },
    onRetry() {
      void this.reload();
    },
    onFieldChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ fieldIndex: pickedIndex(e.detail.value, this.data.fieldCodes.length) });
      void this.reload();
    },
    onRegionInput(e: WechatMiniprogram.Input) {
      // Returning a string from bindinput replaces what the input shows: digits only.
      const region = String(e.detail.value || '').replace(/\D/g, '').slice(0, 6);
      this.setData({ region, regionError: '' });
      return region;
    },
    onRegionApply() {
      const error = regionError(this.data.region);
      this.setData({ regionError: error });
      if (!error) void this.reload();
    },
  },
});
