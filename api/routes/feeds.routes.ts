import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import { buildFeed, FEED_FORMATS, type FeedFormat } from '../../core/feeds/build-feed.ts';
import { listQuery, publicFilter } from '../../core/disclosures/list.ts';
import type { Services } from '../../core/services.ts';
import { route } from '../route-spec.ts';
import { sendCached } from '../cached-response.ts';
import type { FrontCache } from '../front-cache.ts';

const feedQuery = listQuery.omit({ cursor: true, limit: true });
const FEED_DISCLOSURES = 50;
/** Feed readers poll: a minute of freshness spares the server most of their requests. */
const FEED_CACHE_CONTROL = 'public, max-age=60';

/** RSS 2.0, Atom 1.0 and JSON Feed 1.1 over the same filters as the list API. */
export function feedRoutes({ disclosures, publicCache }: Services, baseUrl: string, front?: FrontCache) {
  return (Object.keys(FEED_FORMATS) as FeedFormat[]).map((format) =>
    route({
      method: 'get',
      path: `/feeds/${FEED_FORMATS[format].file}`,
      summary: `${format.toUpperCase()} feed of public disclosures (one entry per published revision)`,
      tag: 'feeds',
      query: feedQuery,
      produces: [FEED_FORMATS[format].type.split(';')[0]!],
      responses: { 200: 'the feed', 304: 'not modified since the ETag or date given', 400: 'invalid filter' },
      handler: async (ctx, { query }) => {
        const selfQuery = ctx.querystring ? `?${ctx.querystring}` : '';
        // Keyed by the raw query string: the feed's self link repeats it.
        const key = `feed:${format}${selfQuery}`;
        const feed = await publicCache.get(key, async () => {
          const docs = await disclosureCollection(disclosures.db)
            .find(publicFilter(query), { projection: { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0 } })
            .sort({ publicChangedAt: -1, _id: -1 })
            .limit(FEED_DISCLOSURES)
            .toArray();
          return buildFeed(docs, format, { baseUrl, selfQuery });
        });
        await sendCached(ctx, feed, FEED_FORMATS[format].type, { key, front, cacheControl: FEED_CACHE_CONTROL });
      },
    }),
  );
}
