import type { Collection, Filter } from 'mongodb';
import { queryTokens } from '../../disclosures/search-tokens.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { dayRange, regionCodeOf, regionFilter } from '../filters.ts';
import { FACET_SAMPLE, RANKED_CANDIDATES, relevanceScore } from '../relevance.ts';
import { highlightWords } from '../search-terms.ts';
import { snippet } from '../snippet.ts';
import { KEY_SPREAD } from '../sqlite/apply.ts';
import type { ClosingFilter, ClosingItem, FacetCount, Facets, PublicFilter, PublicListItem, PublicPage, PublicQuery, SitemapEntry } from '../types.ts';
import type { MongoReadDoc } from './mongo-row.ts';

/** The filter over `read_disclosures`; search terms are the stored jieba tokens themselves. */
export function publicMatch(filter: PublicFilter, terms: string[]): Filter<MongoReadDoc> {
  const match: Filter<MongoReadDoc> = { public: true };
  if (filter.field) match.field = filter.field;
  if (filter.itemType) match.itemType = filter.itemType;
  const region = regionFilter(filter.region);
  if (region.level) match[region.level] = region.prefix;
  if (filter.agency) match.agencyCode = filter.agency;
  if (filter.projectCode) match.projectCode = filter.projectCode;
  const days = dayRange(filter);
  if (days.from !== undefined || days.to !== undefined) {
    match.sortKey = {
      ...(days.from !== undefined ? { $gte: days.from * KEY_SPREAD } : {}),
      ...(days.to !== undefined ? { $lt: (days.to + 1) * KEY_SPREAD } : {}),
    };
  }
  if (terms.length) match.tokens = { $all: terms };
  return match;
}

const and = (a: Filter<MongoReadDoc>, b: Filter<MongoReadDoc>): Filter<MongoReadDoc> => ({ $and: [a, b] });

export function mongoPublicQueries(rows: Collection<MongoReadDoc>, now: () => number, facetSample = FACET_SAMPLE) {
  async function list(query: PublicQuery): Promise<PublicPage> {
    const terms = query.q ? queryTokens(query.q) : [];
    const match = publicMatch(query, terms);
    const page = terms.length && query.sort === 'relevance' ? await ranked(query, match, terms) : await byDate(query, match);
    const words = highlightWords(terms);
    const items: PublicListItem[] = page.hits.map((hit) => ({
      ...(JSON.parse(hit.summary!) as PublicListItem),
      ...(terms.length ? { snippet: snippet(hit.text!, words) } : {}),
    }));
    return { items, nextCursor: page.nextCursor, ...(query.facets ? { facets: await facets(query, match, terms.length > 0) } : {}) };
  }

  async function byDate(query: PublicQuery, match: Filter<MongoReadDoc>) {
    const after = query.cursor ? decodeCursor(query.cursor, 'date').key : undefined;
    const docs = await rows
      .find(after !== undefined ? and(match, { sortKey: { $lt: after } }) : match, { projection: { summary: 1, text: 1, sortKey: 1 } })
      .sort({ sortKey: -1, _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const hits = docs.slice(0, query.limit);
    const last = hits.at(-1);
    return { hits, nextCursor: docs.length > query.limit && last ? encodeCursor({ kind: 'date', key: last.sortKey! }) : null };
  }

  async function ranked(query: PublicQuery, match: Filter<MongoReadDoc>, terms: string[]) {
    if (query.cursor && Buffer.from(query.cursor, 'base64url').toString().startsWith('d')) return byDate(query, match);
    const offset = query.cursor ? decodeCursor(query.cursor, 'offset').offset : 0;
    const candidates = await rows
      .find(match, { projection: { sortKey: 1, publishedAt: 1, tokenCount: 1 } })
      .sort({ sortKey: -1, _id: -1 })
      .limit(RANKED_CANDIDATES)
      .toArray();
    const bm25 = await bm25Scorer(terms);
    const at = now();
    const order = candidates
      .map((c) => ({ id: c._id, key: c.sortKey!, score: relevanceScore(bm25(c.tokenCount ?? 0), c.publishedAt!.getTime(), at) }))
      .sort((a, b) => b.score - a.score || b.key - a.key);
    const slice = order.slice(offset, offset + query.limit);
    const found = new Map((await rows.find({ _id: { $in: slice.map((s) => s.id) } }, { projection: { summary: 1, text: 1 } }).toArray()).map((d) => [d._id, d]));
    const hits = slice.map((s) => found.get(s.id)).filter((d): d is MongoReadDoc => Boolean(d));
    const oldest = candidates.at(-1)?.sortKey;
    const nextCursor =
      offset + query.limit < order.length
        ? encodeCursor({ kind: 'offset', offset: offset + query.limit })
        : candidates.length === RANKED_CANDIDATES && oldest !== undefined
          ? encodeCursor({ kind: 'date', key: oldest })
          : null;
    return { hits, nextCursor };
  }

  /** FTS5's BM25 (k1 1.2, b 0.75) for documents holding every term once, by their token count. */
  async function bm25Scorer(terms: string[]) {
    const [stats] = await rows
      .aggregate<{ n: number; tokens: number }>([{ $match: { public: true, tokenCount: { $gt: 0 } } }, { $group: { _id: null, n: { $sum: 1 }, tokens: { $sum: '$tokenCount' } } }])
      .toArray();
    const n = stats?.n ?? 0;
    const avg = n ? stats!.tokens / n : 1;
    const idf = await Promise.all(
      terms.map(async (term) => {
        const df = await rows.countDocuments({ public: true, tokens: term });
        return Math.max(1e-6, Math.log((n - df + 0.5) / (df + 0.5)));
      }),
    );
    return (length: number) => idf.reduce((sum, w) => sum + (w * 2.2) / (1 + 1.2 * (0.25 + (0.75 * length) / avg)), 0);
  }

  /** A search's facets count its newest `facetSample` matches, as the SQLite model's do. */
  async function facets(filter: PublicFilter, match: Filter<MongoReadDoc>, searched: boolean): Promise<Facets> {
    const level = regionFilter(filter.region).facetLength === 2 ? '$province' : regionFilter(filter.region).facetLength === 4 ? '$city' : '$region';
    const groups = await rows
      .aggregate<{ _id: { field: string; itemType: string; region: string; agency: string; year: number }; n: number }>([
        { $match: match },
        ...(searched ? [{ $sort: { sortKey: -1 as const } }, { $limit: facetSample }] : []),
        { $group: { _id: { field: '$field', itemType: '$itemType', region: level, agency: '$agencyCode', year: '$year' }, n: { $sum: 1 } } },
      ])
      .toArray();
    const tally = (pick: (g: (typeof groups)[number]['_id']) => string): FacetCount[] => {
      const counts = new Map<string, number>();
      for (const g of groups) counts.set(pick(g._id), (counts.get(pick(g._id)) ?? 0) + g.n);
      return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    };
    const counted = groups.reduce((sum, g) => sum + g.n, 0);
    const total = searched && counted >= facetSample ? await rows.countDocuments(match) : counted;
    return {
      total,
      exhaustive: total === counted,
      field: tally((g) => g.field),
      itemType: tally((g) => g.itemType),
      region: tally((g) => regionCodeOf(g.region)),
      agency: tally((g) => g.agency),
      year: tally((g) => String(g.year)),
    };
  }

  async function recentlyChanged(filter: PublicFilter, limit: number, since?: Date): Promise<string[]> {
    const match = publicMatch(filter, filter.q ? queryTokens(filter.q) : []);
    const docs = await rows
      .find(since ? and(match, { publicChangedAt: { $gte: since } }) : match, { projection: { _id: 1 } })
      .sort({ publicChangedAt: -1, sortKey: -1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => d._id);
  }

  async function publicSitemap(offset: number, limit: number): Promise<SitemapEntry[]> {
    const docs = await rows
      .find({ public: true }, { projection: { _id: 1, publicChangedAt: 1 } })
      .sort({ sortKey: 1 })
      .skip(offset)
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id, changedAt: new Date(d.publicChangedAt!) }));
  }

  async function closingBetween(filter: ClosingFilter, from: Date, to: Date, limit: number): Promise<ClosingItem[]> {
    const match = publicMatch({ field: filter.field, region: filter.region }, []);
    const docs = await rows
      .find(and(match, { closesAt: { $gte: from, $lt: to } }), { projection: { summary: 1, closesAt: 1, closingLabel: 1, sortKey: 1 } })
      .sort({ closesAt: 1, sortKey: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ item: JSON.parse(d.summary!) as PublicListItem, closesAt: new Date(d.closesAt!), label: d.closingLabel! }));
  }

  return { list, recentlyChanged, publicSitemap, closingBetween };
}
