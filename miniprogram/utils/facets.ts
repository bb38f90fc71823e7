/**
 * The search page's refinements: facet counts from the API as chips. Pure functions: no wx calls.
 * Year chips become a from/to range, as the API filters by publication date, not by year.
 */
import type { Catalogue, DisclosureSummary, Facets, FacetCount, ListQuery } from '../services/types';
import { fieldOptions } from './catalogue';

export type FacetKey = 'field' | 'year' | 'region';

/** The chosen chip of each group, '' for none. */
export type Refinements = Record<FacetKey, string>;

export const NO_REFINEMENTS: Refinements = Object.freeze({ field: '', year: '', region: '' });

export interface Chip {
  value: string;
  label: string;
  count: number;
  active: boolean;
}

export interface FacetGroup {
  key: FacetKey;
  title: string;
  chips: Chip[];
}

/** Enough to pick from on a phone; the counts arrive largest first. */
const MAX_CHIPS = 8;

/** The filters the chosen chips stand for. */
export function refinementQuery(r: Refinements): ListQuery {
  const query: ListQuery = {};
  if (r.field) query.field = r.field;
  if (r.region) query.region = r.region;
  if (r.year) {
    query.from = `${r.year}-01-01`;
    query.to = `${r.year}-12-31`;
  }
  return query;
}

/** Field names by code: the catalogue's, else those the results carry. */
export function fieldNames(catalogue: Catalogue | undefined, items: DisclosureSummary[], known: Record<string, string> = {}): Record<string, string> {
  const names: Record<string, string> = { ...known };
  for (const item of items) if (item.fieldName && !names[item.field]) names[item.field] = item.fieldName;
  const options = fieldOptions(catalogue);
  options.codes.forEach((code, i) => {
    if (code) names[code] = options.names[i] || code;
  });
  return names;
}

function chips(counts: FacetCount[], active: string, total: number, label: (value: string) => string): Chip[] {
  const list = counts.slice(0, MAX_CHIPS).map((c) => {
    const value = String(c.value);
    return { value, label: label(value), count: c.count, active: value === active };
  });
  // A region filter's facets are the level below it, so the chosen region is not among them;
  // whatever is chosen stays on screen (first) so it can be tapped off. It selects all `total`.
  if (active && !list.some((c) => c.active)) list.unshift({ value: active, label: label(active), count: total, active: true });
  return list;
}

/** The chip groups to show: a group with a single value it cannot narrow is left out. */
export function facetGroups(facets: Facets | undefined, chosen: Refinements, names: Record<string, string>): FacetGroup[] {
  if (!facets) return [];
  const groups: FacetGroup[] = [
    { key: 'field', title: '领域', chips: chips(facets.field || [], chosen.field, facets.total, (v) => names[v] || v) },
    { key: 'year', title: '年份', chips: chips(facets.year || [], chosen.year, facets.total, (v) => `${v} 年`) },
    { key: 'region', title: '行政区划', chips: chips(facets.region || [], chosen.region, facets.total, (v) => v) },
  ];
  return groups.filter((g) => g.chips.length > 1 || g.chips.some((c) => c.active));
}
