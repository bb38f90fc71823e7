import { z } from 'zod';
import { buildFeed, FEED_FORMATS, type FeedFormat } from '../../core/feeds/build-feed.ts';
import { publicFilterQuery } from '../../core/disclosures/list.ts';
import type { Services } from '../../core/services.ts';
import { route } from '../route-spec.ts';
import { sendCached } from '../cached-response.ts';
import type { FrontCache } from '../front-cache.ts';

/**
 * Not strict: feed readers and WeChat append their own parameters (utm_*, isappinstalled …), and
 * a feed must still answer. They are dropped, from the cache key and the self link alike.
 * WeChat's share tag `from=timeline` (singlemessage, groupmessage) collides with the date filter
 * `from`, so those values of it are dropped too; any other bad `from` is still a 400.
 */
const WECHAT_FROM = new Set(['timeline', 'singlemessage', 'groupmessage', 'message']);
const isTrackingTag = ([name, value]: [string, string]) => !(name in publicFilterQuery.shape) || (name === 'from' && WECHAT_FROM.has(value));
const feedQuery = z.preprocess(
  (raw) => (raw && typeof raw === 'object' ? Object.fromEntries(Object.entries(raw as Record<string, string>).filter((e) => !isTrackingTag(e))) : raw),
  publicFilterQuery,
);
const FEED_DISCLOSURES = 50;
const FEED_PROJECTION = { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0 };
/**
 * Feed readers poll, and a minute of freshness spares the server most of their requests; a
 * withdrawal reaches a feed as an entry of its own, so a minute late hides nothing. The API's
 * lists and details are `no-cache` instead: they must never show a withdrawn item as current.
 */
export const FEED_CACHE_CONTROL = 'public, max-age=60';

/** RSS 2.0, Atom 1.0 and JSON Feed 1.1 over the same filters as the list API. */
export function feedRoutes({ store, readModel, publicCache }: Services, baseUrl: string, front?: FrontCache) {
  return (Object.keys(FEED_FORMATS) as FeedFormat[]).map((format) =>
    route({
      method: 'get',
      path: `/feeds/${FEED_FORMATS[format].file}`,
      summary: `${format.toUpperCase()} feed of public disclosures (one entry per published revision); parameters other than the filters are ignored`,
      tag: 'feeds',
      query: feedQuery,
      produces: [FEED_FORMATS[format].type.split(';')[0]!],
      responses: { 200: 'the feed', 304: 'not modified since the ETag or date given', 400: 'invalid filter (the field is named)' },
      handler: async (ctx, { query }) => {
        // The client's own order, without what the filters do not know.
        const known = new URLSearchParams([...new URLSearchParams(ctx.querystring)].filter((e) => !isTrackingTag(e)));
        const selfQuery = known.size ? `?${known}` : '';
        const key = `feed:${format}${selfQuery}`;
        const feed = await publicCache.get(key, async () => {
          const ids = await readModel.recentlyChanged(query, FEED_DISCLOSURES);
          return buildFeed(await store.getMany(ids, { projection: FEED_PROJECTION }), format, { baseUrl, selfQuery });
        });
        await sendCached(ctx, feed, FEED_FORMATS[format].type, { key, front, cacheControl: FEED_CACHE_CONTROL });
      },
    }),
  );
}
