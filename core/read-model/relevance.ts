const DAY_MS = 86_400_000;
/** Half-life of the recency bonus: an item this old counts 1.5 times its text relevance, a new one twice. */
const RECENCY_HALF_LIFE_DAYS = 90;

/**
 * BM25 (higher is better) times a recency factor between 1 and 2, so that among equally
 * relevant items the newer comes first, and a much better match still beats a newer one.
 */
export function relevanceScore(bm25: number, publishedAt: number, now: number): number {
  const ageDays = Math.max(0, (now - publishedAt) / DAY_MS);
  return bm25 * (1 + 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS));
}

/**
 * How many of the newest matches are ranked. Past them, the recency factor has decayed to
 * about 1 and the order is kept newest first; a bound keeps ranking a common word cheap at a
 * million items.
 */
export const RANKED_CANDIDATES = 1_000;

/**
 * How many of a search's newest matches its facets count. A common word matches a quarter of a
 * million items at a million, and counting them all is a join per match (about a second);
 * past this bound the counts are of the newest matches, `total` is still every match, and
 * `exhaustive` says so (as search services flag approximate facet counts).
 */
export const FACET_SAMPLE = 10_000;
