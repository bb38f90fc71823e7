import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { dayRange, regionCodeOf, regionFilter } from '../filters.ts';
import { FACET_SAMPLE, RANKED_CANDIDATES, relevanceScore } from '../relevance.ts';
import { filterTerms, highlightWords, matchExpression, searchTerms } from '../search-terms.ts';
import { queryTokens } from '../../disclosures/search-tokens.ts';
import { snippet } from '../snippet.ts';
import type { ClosingFilter, ClosingItem, FacetCount, Facets, PublicFilter, PublicListItem, PublicPage, PublicQuery, SitemapEntry } from '../types.ts';
import { KEY_SPREAD } from './apply.ts';

interface Where {
  sql: string;
  args: unknown[];
}

/** The filter as SQL over public_items `p`; ranges on `keyColumn` (the search index's rowid when searching). */
function where(filter: PublicFilter, keyColumn: string): Where {
  const parts: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    args.push(value);
  };
  if (filter.field) add('p.field = ?', filter.field);
  if (filter.itemType) add('p.item_type = ?', filter.itemType);
  const region = regionFilter(filter.region);
  if (region.level) add(`p.${region.level} = ?`, region.prefix);
  if (filter.agency) add('p.agency_code = ?', filter.agency);
  if (filter.projectCode) add('p.project_code = ?', filter.projectCode);
  const days = dayRange(filter);
  if (days.from !== undefined) add(`${keyColumn} >= ?`, days.from * KEY_SPREAD);
  if (days.to !== undefined) add(`${keyColumn} < ?`, (days.to + 1) * KEY_SPREAD);
  return { sql: parts.length ? parts.join(' AND ') : '1', args };
}

/** The filter on the columns of the covering index `public_facets` (the region by its prefix), so facets never read an item's row. */
function coveredWhere(filter: PublicFilter): Where {
  const region = regionFilter(filter.region);
  const w = where({ ...filter, region: undefined }, 'p.sort_key');
  if (!region.prefix) return w;
  return { sql: `${w.sql} AND substr(p.region, 1, ${region.prefix.length}) = ?`, args: [...w.args, region.prefix] };
}

/** A search's MATCH: its words and its filters' index terms (the region as the prefix it means); the rows are checked too. */
function searchMatch(terms: readonly string[], filter: PublicFilter): string {
  return matchExpression([...terms, ...filterTerms({ ...filter, region: regionFilter(filter.region).prefix })]);
}

const sum = (rows: readonly { n: number }[]) => rows.reduce((total, r) => total + r.n, 0);

interface Hit {
  sort_key: number;
  summary: string;
  text: string;
}

export function publicQueries(db: Database.Database, now: () => number, facetSample = FACET_SAMPLE) {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size > 500) cache.clear();
      cache.set(sql, (stmt = db.prepare(sql)));
    }
    return stmt;
  };

  function list(query: PublicQuery): PublicPage {
    const terms = query.q ? searchTerms(query.q) : [];
    const page = terms.length ? (query.sort === 'relevance' ? ranked(query, terms) : searched(query, terms)) : listed(query);
    const words = terms.length ? highlightWords(queryTokens(query.q!)) : [];
    const items: PublicListItem[] = page.hits.map((hit) => ({
      ...(JSON.parse(hit.summary) as PublicListItem),
      ...(terms.length ? { snippet: snippet(hit.text, words) } : {}),
    }));
    return { items, nextCursor: page.nextCursor, ...(query.facets ? { facets: facets(query, terms) } : {}) };
  }

  function listed(query: PublicQuery) {
    const w = where(query, 'p.sort_key');
    const after = query.cursor ? decodeCursor(query.cursor, 'date').key : undefined;
    const rows = prepare(
      `SELECT p.sort_key, p.summary, '' AS text FROM public_items p WHERE ${w.sql}${after !== undefined ? ' AND p.sort_key < ?' : ''}
       ORDER BY p.sort_key DESC LIMIT ?`,
    ).all(...w.args, ...(after !== undefined ? [after] : []), query.limit + 1) as Hit[];
    return byDate(rows, query.limit);
  }

  function searched(query: PublicQuery, terms: string[]) {
    const w = where(query, 's.rowid');
    const after = query.cursor ? decodeCursor(query.cursor, 'date').key : undefined;
    // CROSS JOIN keeps the search index outside: it yields matches newest first, and the walk
    // stops at the page's end instead of sorting every match.
    const rows = prepare(
      `SELECT p.sort_key, p.summary, p.text FROM search s CROSS JOIN public_items p ON p.sort_key = s.rowid
       WHERE search MATCH ? AND ${w.sql}${after !== undefined ? ' AND s.rowid < ?' : ''} ORDER BY s.rowid DESC LIMIT ?`,
    ).all(searchMatch(terms, query), ...w.args, ...(after !== undefined ? [after] : []), query.limit + 1) as Hit[];
    return byDate(rows, query.limit);
  }

  function ranked(query: PublicQuery, terms: string[]) {
    // Past the ranked candidates, a `d` cursor goes on newest first below the oldest of them.
    if (query.cursor && Buffer.from(query.cursor, 'base64url').toString().startsWith('d')) return searched(query, terms);
    const offset = query.cursor ? decodeCursor(query.cursor, 'offset').offset : 0;
    const w = where(query, 's.rowid');
    const candidates = prepare(
      `SELECT p.sort_key, p.published_at, -bm25(search) AS score FROM search s CROSS JOIN public_items p ON p.sort_key = s.rowid
       WHERE search MATCH ? AND ${w.sql} ORDER BY s.rowid DESC LIMIT ?`,
    ).all(searchMatch(terms, query), ...w.args, RANKED_CANDIDATES) as { sort_key: number; published_at: number; score: number }[];
    const at = now();
    const order = candidates
      .map((c) => ({ key: c.sort_key, score: relevanceScore(c.score, c.published_at, at) }))
      .sort((a, b) => b.score - a.score || b.key - a.key);
    const slice = order.slice(offset, offset + query.limit);
    const byKey = new Map(
      (slice.length
        ? (prepare(`SELECT sort_key, summary, text FROM public_items WHERE sort_key IN (${slice.map(() => '?').join(',')})`).all(...slice.map((s) => s.key)) as Hit[])
        : []
      ).map((h) => [h.sort_key, h]),
    );
    const hits = slice.map((s) => byKey.get(s.key)).filter((h): h is Hit => Boolean(h));
    const more = offset + query.limit < order.length;
    const oldest = candidates.at(-1)?.sort_key;
    const nextCursor = more
      ? encodeCursor({ kind: 'offset', offset: offset + query.limit })
      : candidates.length === RANKED_CANDIDATES && oldest !== undefined
        ? encodeCursor({ kind: 'date', key: oldest })
        : null;
    return { hits, nextCursor };
  }

  function facets(filter: PublicFilter, terms: string[]): Facets {
    const region = regionFilter(filter.region);
    const len = region.facetLength;
    let rows: { field: string; item_type: string; region: string; agency_code: string; year: number; n: number }[];
    let total: number | undefined;
    if (terms.length) {
      // Every filter is in the MATCH (filter terms) or the rowid range, so the newest matches are
      // taken from the index alone, and their dimensions read from the covering index.
      const match = searchMatch(terms, filter);
      const days = where({ from: filter.from, to: filter.to }, 'rowid');
      const w = coveredWhere({ ...filter, from: undefined, to: undefined });
      rows = prepare(
        `SELECT p.field, p.item_type, substr(p.region, 1, ${len}) AS region, p.agency_code, p.year, count(*) AS n
         FROM (SELECT rowid AS k FROM search WHERE search MATCH ? AND ${days.sql} ORDER BY rowid DESC LIMIT ?) m
         CROSS JOIN public_items p INDEXED BY public_facets ON p.sort_key = m.k WHERE ${w.sql} GROUP BY 1, 2, 3, 4, 5`,
      ).all(match, ...days.args, facetSample, ...w.args) as typeof rows;
      if (sum(rows) >= facetSample) {
        total = prepare(`SELECT count(*) FROM search WHERE search MATCH ? AND ${days.sql}`)
          .pluck()
          .get(match, ...days.args) as number;
      }
    } else if (filter.from || filter.to || filter.projectCode) {
      const w = coveredWhere(filter);
      // A date range reads the covering index, not the items' rows (their summaries and texts).
      rows = prepare(
        `SELECT p.field, p.item_type, substr(p.region, 1, ${len}) AS region, p.agency_code, p.year, count(*) AS n
         FROM public_items p ${filter.projectCode ? '' : 'INDEXED BY public_facets'} WHERE ${w.sql} GROUP BY 1, 2, 3, 4, 5`,
      ).all(...w.args) as typeof rows;
    } else {
      // The cube holds every public item counted per combination and month: no item is read.
      const parts: string[] = [];
      const args: unknown[] = [];
      if (filter.field) parts.push('field = ?') && args.push(filter.field);
      if (filter.itemType) parts.push('item_type = ?') && args.push(filter.itemType);
      if (region.prefix) parts.push(`substr(region, 1, ${region.prefix.length}) = ?`) && args.push(region.prefix);
      if (filter.agency) parts.push('agency_code = ?') && args.push(filter.agency);
      rows = prepare(
        `SELECT field, item_type, substr(region, 1, ${len}) AS region, agency_code, month / 100 AS year, sum(n) AS n
         FROM facet_cube WHERE ${parts.length ? parts.join(' AND ') : '1'} GROUP BY 1, 2, 3, 4, 5`,
      ).all(...args) as typeof rows;
    }
    const tally = (pick: (r: (typeof rows)[number]) => string) => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(pick(row), (counts.get(pick(row)) ?? 0) + row.n);
      return sorted(counts);
    };
    const counted = sum(rows);
    return {
      total: total ?? counted,
      exhaustive: (total ?? counted) === counted,
      field: tally((r) => r.field),
      itemType: tally((r) => r.item_type),
      region: tally((r) => regionCodeOf(r.region)),
      agency: tally((r) => r.agency_code),
      year: tally((r) => String(r.year)),
    };
  }

  function recentlyChanged(filter: PublicFilter, limit: number, since?: Date): string[] {
    const terms = filter.q ? searchTerms(filter.q) : [];
    const sinceMs = since?.getTime();
    if (terms.length) {
      const w = where(filter, 's.rowid');
      const rows = prepare(
        `SELECT p.id, p.public_changed_at FROM search s CROSS JOIN public_items p ON p.sort_key = s.rowid
         WHERE search MATCH ? AND ${w.sql} ORDER BY s.rowid DESC LIMIT ?`,
      ).all(searchMatch(terms, filter), ...w.args, RANKED_CANDIDATES) as { id: string; public_changed_at: number }[];
      return rows
        .filter((r) => sinceMs === undefined || r.public_changed_at >= sinceMs)
        .sort((a, b) => b.public_changed_at - a.public_changed_at)
        .slice(0, limit)
        .map((r) => r.id);
    }
    const w = where(filter, 'p.sort_key');
    return prepare(
      `SELECT p.id FROM public_items p WHERE ${w.sql}${sinceMs !== undefined ? ' AND p.public_changed_at >= ?' : ''}
       ORDER BY p.public_changed_at DESC, p.sort_key DESC LIMIT ?`,
    )
      .pluck()
      .all(...w.args, ...(sinceMs !== undefined ? [sinceMs] : []), limit) as string[];
  }

  function publicSitemap(offset: number, limit: number): SitemapEntry[] {
    const rows = prepare(`SELECT id, public_changed_at FROM public_items ORDER BY sort_key LIMIT ? OFFSET ?`).all(limit, offset) as {
      id: string;
      public_changed_at: number;
    }[];
    return rows.map((r) => ({ id: r.id, changedAt: new Date(r.public_changed_at) }));
  }

  function closingBetween(filter: ClosingFilter, from: Date, to: Date, limit: number): ClosingItem[] {
    const w = where({ field: filter.field, region: filter.region }, 'p.sort_key');
    const rows = prepare(
      `SELECT p.summary, p.closes_at, p.closing_label FROM public_items p
       WHERE p.closes_at IS NOT NULL AND p.closes_at >= ? AND p.closes_at < ? AND ${w.sql} ORDER BY p.closes_at, p.sort_key LIMIT ?`,
    ).all(from.getTime(), to.getTime(), ...w.args, limit) as { summary: string; closes_at: number; closing_label: string }[];
    return rows.map((r) => ({ item: JSON.parse(r.summary) as PublicListItem, closesAt: new Date(r.closes_at), label: r.closing_label }));
  }

  return { list, recentlyChanged, publicSitemap, closingBetween };
}

function byDate(rows: Hit[], limit: number) {
  const hits = rows.slice(0, limit);
  const last = hits.at(-1);
  return { hits, nextCursor: rows.length > limit && last ? encodeCursor({ kind: 'date', key: last.sort_key }) : null };
}

function sorted(counts: Map<string, number>): FacetCount[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
