import { SYNONYM_GROUPS } from '../catalogue/domain-words.ts';
import { queryTokens } from '../disclosures/search-tokens.ts';

/**
 * A jieba token as one FTS5 `unicode61` token: runs of anything but letters and digits become `_`,
 * which the tokenizer is told is part of a token (`tokenchars '_'`), so 110108-2026-0001 stays one
 * token instead of three. Both the index and the query go through this.
 */
export function ftsToken(token: string): string {
  return token
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** The terms of a search: jieba's precise cut of `q`, every one required (as the API always did). */
export function searchTerms(q: string): string[] {
  return [...new Set(queryTokens(q).map(ftsToken).filter(Boolean))];
}

/** An FTS5 MATCH expression requiring every term; each quoted, so no term is read as syntax. */
export function matchExpression(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
}

/**
 * What a snippet marks for a term: the term and the other names of its synonym group, since
 * the index holds every name of a group an item mentions (公租房 finds 公共租赁住房).
 */
export function highlightWords(terms: readonly string[]): string[] {
  const words = new Set(terms.filter((t) => t.length > 0));
  for (const group of SYNONYM_GROUPS) if (group.some((name) => words.has(name))) for (const name of group) words.add(name);
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * The filters of a search as index terms, so that FTS5 intersects them with the words inside the
 * index instead of checking each match's row: `串通 投标` in one district is a walk of the rarest
 * list, not of every item that says 投标. They start with `_`, which no word token does (ftsToken
 * trims it), so they can never be matched by text.
 */
export function filterTerms(filter: { field?: string; itemType?: string; region?: string; agency?: string; projectCode?: string }): string[] {
  const terms: string[] = [];
  if (filter.field) terms.push(`_f_${ftsToken(filter.field)}`);
  if (filter.itemType) terms.push(`_t_${ftsToken(filter.itemType)}`);
  if (filter.region) terms.push(`_r_${filter.region}`);
  if (filter.agency) terms.push(`_a_${ftsToken(filter.agency)}`);
  if (filter.projectCode) terms.push(`_p_${ftsToken(filter.projectCode)}`);
  return terms;
}

/** The filter terms an item is indexed under: its field, item type, each level of its region, agency, project. */
export function itemFilterTerms(item: { field: string; itemType: string; region: string; agencyCode: string; projectCode?: string }): string[] {
  const { field, itemType, agencyCode: agency, projectCode } = item;
  return [...filterTerms({ field, itemType, agency, projectCode }), ...[2, 4, 6].flatMap((n) => filterTerms({ region: item.region.slice(0, n) }))];
}
