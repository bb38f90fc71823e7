import { NotFoundError } from '../../../core/errors.ts';
import type { ListQuery } from '../../../core/disclosures/list.ts';
import type { PublicPage } from '../../../core/read-model/types.ts';
import { html } from '../../render/html.ts';
import { FIELD_NAMES } from './format.ts';
import type { SitePageOptions } from './layout.ts';
import { agencyNamesOf, facetLinks, itemList, listHref, listState, pager, queryString, searchForm } from './list-page.ts';

/** What a list is of, by its path: the search, the blacklist, or one agency's items. */
function heading(path: string, query: ListQuery, page: PublicPage): { title: string; intro: string } {
  if (path === '/blacklist') return { title: '失信黑名单', intro: '各机关依法公开的失信主体黑名单及其认定、移出信息。' };
  if (path.startsWith('/agencies/')) {
    const name = agencyNamesOf(page.items).get(query.agency ?? '') ?? query.agency ?? '';
    return { title: name, intro: `${name}依“谁批准、谁实施、谁制作、谁公开”原则公开的信息。` };
  }
  if (query.q) return { title: `搜索：${query.q}`, intro: '' };
  if (query.field) return { title: FIELD_NAMES[query.field] ?? '信息公开', intro: '' };
  return { title: '信息公开', intro: '公共资源配置领域全部公开信息，最新发布的在前。' };
}

/** A list page: the search form, results with highlighted matches, facet links and the next-page link. */
export function listPageOptions(path: string, query: ListQuery, page: PublicPage): SitePageOptions & { here: string } {
  // On the blacklist and agency pages, the fixed filter is the path itself, not a parameter.
  const fixed = path === '/blacklist' ? 'field' : path.startsWith('/agencies/') ? 'agency' : undefined;
  const state = listState(query);
  if (fixed) delete state[fixed];
  const { title, intro } = heading(path, query, page);
  if (path.startsWith('/agencies/') && !page.items.length && !query.cursor && !Object.keys(state).length) {
    // An agency with nothing public has no page: it may not exist at all.
    throw new NotFoundError('no public items of this agency');
  }
  const feedQuery = queryString({ ...state, ...(query.field ? { field: query.field } : {}), ...(query.agency ? { agency: query.agency } : {}), sort: undefined });
  const facets = page.facets ? facetLinks(page.facets, state, path, agencyNamesOf(page.items)) : html``;
  const body = html`<h1>${title}</h1>${intro ? html`<p>${intro}</p>` : ''}
${searchForm(state, path)}
<div class="with-aside"><section aria-labelledby="results"><h2 id="results">${query.q ? '搜索结果' : '信息列表'}${page.facets ? `（共 ${page.facets.total} 条）` : ''}</h2>
${itemList(page.items, query.q ? '没有找到匹配的信息，请换个关键词或减少筛选条件。' : '暂无信息。')}
${pager(page, state, path, Boolean(query.cursor))}</section>
${facets}</div>
<p class="meta">订阅本列表：<a href="/feeds/rss.xml${feedQuery ? `?${feedQuery}` : ''}">RSS</a> · <a href="${listHref('/subscribe', { field: query.field, region: query.region })}">微信订阅</a></p>`;
  return {
    title,
    body,
    canonicalPath: listHref(path, state, query.cursor ? { cursor: query.cursor } : {}),
    here: listHref(path, state, query.cursor ? { cursor: query.cursor } : {}),
    description: intro || undefined,
    // Search result pages are endless combinations: only the plain lists are for search engines.
    noindex: Boolean(query.q || query.cursor || Object.keys(state).length > 1),
    feeds: { query: feedQuery, title },
  };
}
