import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { idParam } from '../../core/disclosures/input.ts';
import { listPublic, listQuery, PUBLIC_STATUSES } from '../../core/disclosures/list.ts';
import { toPublicView } from '../../core/disclosures/views.ts';
import type { Services } from '../../core/services.ts';
import { sendCached } from '../cached-response.ts';
import type { FrontCache } from '../front-cache.ts';
import { route } from '../route-spec.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const PUBLIC = new Set<string>(PUBLIC_STATUSES);
const DETAIL_PROJECTION = { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0, outbox: 0 };

const detailQuery = z.object({ revision: z.coerce.number().int().min(1).max(10_000).optional() }).strict();

/** What anyone may read, without a key: published items, withheld values replaced by notices. */
export function publicRoutes({ store, readModel, publicCache }: Services, front?: FrontCache) {
  return [
    route({
      method: 'get',
      path: '/api/v1/disclosures',
      summary: 'Search and list public disclosures (newest first, or by relevance), with facets, snippets and cursor pagination',
      tag: 'public',
      query: listQuery,
      responses: {
        200: '{ items (with snippet when q is given), nextCursor, facets? (total, exhaustive, counts per field, itemType, region, agency, year) }',
        304: 'not modified since the ETag given',
        400: 'invalid filter (the field is named)',
      },
      handler: async (ctx, { query }) => {
        // The parsed query is the key: defaults filled in, keys in schema order, q trimmed.
        const key = `list:${JSON.stringify(query)}`;
        const page = await publicCache.get(key, async () => ({ body: JSON.stringify(await listPublic(readModel, query)) }));
        await sendCached(ctx, page, JSON_TYPE, { key, front });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/disclosures/:id',
      summary: 'One public disclosure with every published revision',
      tag: 'public',
      params: idParam,
      query: detailQuery,
      responses: { 200: 'the disclosure', 304: 'not modified since the ETag or date given', 404: 'not found or not public' },
      handler: async (ctx, { params, query }) => {
        const key = `detail:${params.id}:${query.revision ?? ''}`;
        const detail = await publicCache.get(key, async () => {
          const doc = await store.get(params.id, { projection: DETAIL_PROJECTION });
          if (!doc || !PUBLIC.has(doc.status)) throw new NotFoundError(`no public disclosure ${params.id}`);
          const view = toPublicView(doc);
          const current = view.revisions.find((r) => r.n === (query.revision ?? view.revision));
          if (!current) throw new NotFoundError(`disclosure ${params.id} has no revision ${query.revision}`);
          return { body: JSON.stringify({ ...view, current }), lastModified: doc.publicChangedAt };
        });
        await sendCached(ctx, detail, JSON_TYPE, { key, front });
      },
    }),
  ];
}
