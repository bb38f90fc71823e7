/**
 * 搜索: disclosures matching the keywords (the API segments Chinese text itself), newest first or
 * by relevance, refined by facet chips (领域, 年份, 行政区划), each result highlighted where the
 * words matched.
 */
import { api, errorMessage } from '../../services/api';
import { config } from '../../services/config';
import type { Facets, ListQuery, ListSort } from '../../services/types';
import { facetGroups, fieldNames, NO_REFINEMENTS, refinementQuery } from '../../utils/facets';
import type { FacetGroup, FacetKey, Refinements } from '../../utils/facets';
import { toSearchCard } from '../../utils/format';
import type { DisclosureCard } from '../../utils/format';

type State = 'idle' | 'loading' | 'ready' | 'empty' | 'error';

const FACET_KEYS: FacetKey[] = ['field', 'year', 'region'];

Component({
  data: {
    keyword: '',
    /** The keywords of the results on screen. */
    searched: '',
    sort: 'date' as ListSort,
    refinements: { ...NO_REFINEMENTS } as Refinements,
    state: 'idle' as State,
    errorMessage: '',
    items: [] as DisclosureCard[],
    nextCursor: '',
    loadingMore: false,
    moreError: '',
    /** From the first page of the results: they count every page. */
    facets: null as Facets | null,
    total: -1,
    groups: [] as FacetGroup[],
    names: {} as Record<string, string>,
    catalogueAsked: false,
    /** The query of the results on screen: a late answer for another one is dropped. */
    queryKey: '',
  },
  methods: {
    onInput(e: WechatMiniprogram.Input) {
      this.setData({ keyword: String(e.detail.value || '') });
    },
    onSearch() {
      const q = this.data.keyword.trim();
      // New keywords, new facets: chips chosen for the last results no longer apply.
      this.setData({ searched: q, refinements: { ...NO_REFINEMENTS }, facets: null, total: -1, groups: [] });
      if (!q) {
        this.setData({ state: 'idle', items: [], nextCursor: '', queryKey: '' });
        return;
      }
      this.loadCatalogue();
      void this.search();
    },
    onRetry() {
      void this.search();
    },
    onReachBottom() {
      void this.loadMore();
    },
    onSort(e: WechatMiniprogram.TouchEvent) {
      const sort = e.currentTarget.dataset.sort as ListSort;
      // Relevance ranks by the keywords: without them there is nothing to rank by.
      if (sort === this.data.sort || (sort === 'relevance' && !this.data.searched)) return;
      this.setData({ sort });
      void this.search();
    },
    onChip(e: WechatMiniprogram.TouchEvent) {
      const key = e.currentTarget.dataset.key as FacetKey;
      const value = String(e.currentTarget.dataset.value || '');
      if (!FACET_KEYS.includes(key) || !this.data.searched) return;
      const refinements = { ...this.data.refinements, [key]: this.data.refinements[key] === value ? '' : value };
      // The chips show the choice at once; their counts follow with the answer.
      this.setData({ refinements, groups: facetGroups(this.data.facets || undefined, refinements, this.data.names) });
      void this.search();
    },
    query(): ListQuery {
      const query: ListQuery = { q: this.data.searched, ...refinementQuery(this.data.refinements), limit: config.pageSize };
      if (this.data.sort === 'relevance') query.sort = 'relevance';
      return query;
    },
    /** The first page of the current query, with its facets. */
    async search() {
      const query = this.query();
      const key = JSON.stringify(query);
      this.setData({ state: 'loading', errorMessage: '', items: [], nextCursor: '', moreError: '', queryKey: key });
      try {
        const page = await api.disclosures({ ...query, facets: true });
        if (this.data.queryKey !== key) return;
        const names = fieldNames(undefined, page.items, this.data.names);
        const facets = page.facets || null;
        const items = page.items.map(toSearchCard);
        this.setData({
          state: items.length ? 'ready' : 'empty',
          items,
          nextCursor: page.nextCursor || '',
          names,
          facets,
          total: facets ? facets.total : -1,
          groups: facetGroups(facets || undefined, this.data.refinements, names),
        });
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
        // No facets: those of the first page already count every page.
        const page = await api.disclosures({ ...this.query(), cursor });
        if (this.data.queryKey !== key) return;
        this.setData({ items: this.data.items.concat(page.items.map(toSearchCard)), nextCursor: page.nextCursor || '', loadingMore: false });
      } catch (err) {
        if (this.data.queryKey !== key) return;
        this.setData({ loadingMore: false, moreError: errorMessage(err) });
      }
    },
    /** Field names for the chips; once, on the first search. Without it, the results' names do. */
    loadCatalogue() {
      if (this.data.catalogueAsked) return;
      this.setData({ catalogueAsked: true });
      api.catalogue().then(
        (catalogue) => {
          const names = fieldNames(catalogue, [], this.data.names);
          this.setData({ names, groups: facetGroups(this.data.facets || undefined, this.data.refinements, names) });
        },
        () => this.setData({ catalogueAsked: false }),
      );
    },
  },
});
