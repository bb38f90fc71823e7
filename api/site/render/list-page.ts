import type { ListQuery } from '../../../core/disclosures/list.ts';
import type { FacetCount, Facets, PublicListItem, PublicPage } from '../../../core/read-model/types.ts';
import { html, SafeHtml } from '../../render/html.ts';
import { detailPath } from './disclosure-page.ts';
import { chinaDateTime, FIELD_NAMES, FIELDS, isoChina, ITEM_TYPE_NAMES } from './format.ts';

/** The filters a list page keeps in its links, in the order they are written. */
const FILTER_KEYS = ['q', 'field', 'itemType', 'region', 'agency', 'projectCode', 'from', 'to', 'sort'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export type ListState = Partial<Record<FilterKey, string>>;

export function listState(query: ListQuery): ListState {
  const state: ListState = {};
  for (const key of FILTER_KEYS) if (query[key] !== undefined) state[key] = String(query[key]);
  return state;
}

/** The query string of a state, defaults left out, so one list has one URL. */
export function queryString(state: ListState, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (state[key]) params.set(key, state[key]!);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

export const listHref = (path: string, state: ListState, extra?: Record<string, string>) => {
  const qs = queryString(state, extra);
  return qs ? `${path}?${qs}` : path;
};

interface Summary extends PublicListItem {
  status?: string;
  title?: string;
  agency?: { code: string; name: string };
  fieldName?: string;
  itemTypeName?: string;
  region?: string;
  publishedAt?: string;
  withdrawn?: { at?: string; reason?: string };
}

export function itemList(items: readonly PublicListItem[], empty = '暂无信息。'): SafeHtml {
  if (!items.length) return html`<p class="muted">${empty}</p>`;
  return html`<ol class="items">${(items as Summary[]).map((item) => html`<li>
<a class="title" href="${detailPath(item.id)}">${item.title}</a>${item.status === 'corrected' ? html`<span class="badge corrected">已更正</span>` : ''}${item.status === 'withdrawn' ? html`<span class="badge withdrawn">已撤回</span>` : ''}
${item.snippet ? html`<p class="snippet">${new SafeHtml(item.snippet)}</p>` : ''}
<p class="meta">${item.agency?.name} · ${item.fieldName} · ${item.itemTypeName} · 地区 ${item.region} · <time datetime="${isoChina(item.publishedAt)}">${chinaDateTime(item.publishedAt)}</time></p></li>`)}</ol>`;
}

function facetGroup(title: string, key: FilterKey, counts: FacetCount[], state: ListState, path: string, name: (v: string) => string): SafeHtml {
  if (!counts.length) return html``;
  return html`<h3>${title}</h3><ul>${counts.slice(0, 15).map((c) => {
    const current = state[key] === c.value;
    const href = listHref(path, { ...state, [key]: current ? undefined : c.value, ...(key === 'field' && !current ? { itemType: undefined } : {}) });
    return html`<li><a href="${href}"${current ? html` class="current" aria-current="true"` : ''}>${name(c.value)}（${c.count}）${current ? ' ✕' : ''}</a></li>`;
  })}</ul>`;
}

function yearGroup(counts: FacetCount[], state: ListState, path: string): SafeHtml {
  if (!counts.length) return html``;
  return html`<h3>年份</h3><ul>${[...counts].sort((a, b) => b.value.localeCompare(a.value)).map((c) => {
    const current = state.from === `${c.value}-01-01` && state.to === `${c.value}-12-31`;
    const href = listHref(path, { ...state, from: current ? undefined : `${c.value}-01-01`, to: current ? undefined : `${c.value}-12-31` });
    return html`<li><a href="${href}"${current ? html` class="current" aria-current="true"` : ''}>${c.value}年（${c.count}）</a></li>`;
  })}</ul>`;
}

export function facetLinks(facets: Facets, state: ListState, path: string, agencyNames: Map<string, string>): SafeHtml {
  return html`<aside class="facets card" aria-labelledby="facets-title"><h2 id="facets-title">分类筛选</h2>
<p class="meta">共 ${facets.total} 条${facets.exhaustive ? '' : '（分类计数按最新的部分匹配统计）'}</p>
${facetGroup('领域', 'field', facets.field, state, path, (v) => FIELD_NAMES[v] ?? v)}
${facetGroup('事项类型', 'itemType', facets.itemType, state, path, (v) => ITEM_TYPE_NAMES[v] ?? v)}
${facetGroup('地区', 'region', facets.region, state, path, (v) => v)}
${facetGroup('发布机关', 'agency', facets.agency, state, path, (v) => agencyNames.get(v) ?? v)}
${yearGroup(facets.year, state, path)}</aside>`;
}

function select(name: string, label: string, options: { value: string; text: string }[], current?: string, any = '全部'): SafeHtml {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">${any}</option>${options.map(
    (o) => html`<option value="${o.value}"${o.value === current ? html` selected` : ''}>${o.text}</option>`,
  )}</select></div>`;
}

function input(name: string, label: string, current: string | undefined, type = 'text', hint?: string): SafeHtml {
  return html`<div><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" type="${type}" value="${current ?? ''}"${hint ? html` placeholder="${hint}"` : ''}></div>`;
}

/** Every filter of the public API as a plain GET form; empty boxes are dropped by the route. */
export function searchForm(state: ListState, path: string): SafeHtml {
  const more = ['itemType', 'region', 'agency', 'projectCode', 'from', 'to', 'sort'].some((k) => state[k as FilterKey]);
  return html`<form class="search card" method="get" action="${path}" role="search">
<div class="field"><label for="f-q">关键词</label><input id="f-q" name="q" type="search" value="${state.q ?? ''}" placeholder="如：公租房 摇号"></div>
<button type="submit">搜索</button>
<details class="filters"${more ? html` open` : ''}><summary>更多筛选条件</summary><div class="filter-grid">
${select('field', '领域', FIELDS.map((f) => ({ value: f.code, text: f.name })), state.field)}
${input('itemType', '事项类型代码', state.itemType, 'text', '如 allocation-result')}
${input('region', '行政区划代码', state.region, 'text', '6位，如 110108')}
${input('agency', '发布机关代码', state.agency)}
${input('projectCode', '项目代码', state.projectCode)}
${input('from', '发布日期起', state.from, 'date')}
${input('to', '发布日期止', state.to, 'date')}
${select('sort', '排序', [{ value: 'relevance', text: '按相关度（需关键词）' }], state.sort, '默认（按发布时间）')}
</div></details></form>`;
}

export function pager(page: PublicPage, state: ListState, path: string, paged: boolean): SafeHtml {
  if (!page.nextCursor && !paged) return html``;
  return html`<nav class="pager" aria-label="翻页">${paged ? html`<a href="${listHref(path, state)}">回到第一页</a> ` : ''}${page.nextCursor ? html`<a class="button" rel="next" href="${listHref(path, state, { cursor: page.nextCursor })}">下一页</a>` : html`<span class="muted">已是最后一页</span>`}</nav>`;
}

/** Agency names as the items of a page carry them: facets count codes only. */
export function agencyNamesOf(items: readonly PublicListItem[]): Map<string, string> {
  return new Map((items as Summary[]).filter((i) => i.agency).map((i) => [i.agency!.code, i.agency!.name]));
}
