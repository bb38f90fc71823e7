import { z } from 'zod';
import { regionCode } from '../../core/disclosures/input.ts';
import type { Services } from '../../core/services.ts';
import { sendCached } from '../cached-response.ts';
import { route } from '../route-spec.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

export const agencyListQuery = z.object({ region: regionCode.optional().describe('行政区划代码；110000 含其下辖区县') }).strict();

/** The public agency directory (受理机关 for 依申请公开, filters), from memory (core/agencies/directory.ts). */
export function agencyRoutes({ agencies, publicCache }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/agencies',
      summary: 'Public list of agencies (code, name, region), by region then code; region 110000 includes its districts',
      tag: 'public',
      query: agencyListQuery,
      responses: { 200: '{ items: [{ code, name, region? }] }', 304: 'not modified since the ETag given', 400: 'invalid parameter (the field is named)' },
      handler: async (ctx, { query }) => {
        // Keyed by the directory's version: a reload (a change here, or the refresh) is a new key.
        // Not through the front cache, which would keep answering the URL from the old key.
        const { version } = await agencies.snapshot();
        const key = `agencies:${version}:${query.region ?? ''}`;
        const page = await publicCache.get(key, async () => ({ body: JSON.stringify({ items: await agencies.list(query.region) }) }));
        await sendCached(ctx, page, JSON_TYPE, { key });
      },
    }),
  ];
}
