import { Types } from 'mongoose';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { idParam } from '../../core/disclosures/input.ts';
import { listPublic, listQuery, PUBLIC_STATUSES } from '../../core/disclosures/list.ts';
import { toPublicSummary, toPublicView } from '../../core/disclosures/views.ts';
import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import type { Services } from '../../core/services.ts';
import { sendCached } from '../cached-response.ts';
import type { FrontCache } from '../front-cache.ts';
import { route } from '../route-spec.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const PUBLIC = new Set<string>(PUBLIC_STATUSES);

const detailQuery = z.object({ revision: z.coerce.number().int().min(1).max(10_000).optional() }).strict();

/** What anyone may read, without a key: published items, withheld values replaced by notices. */
export function publicRoutes({ disclosures, publicCache }: Services, front?: FrontCache) {
  const { db } = disclosures;
  return [
    route({
      method: 'get',
      path: '/api/v1/disclosures',
      summary: 'Search and list public disclosures, newest first, with cursor pagination',
      tag: 'public',
      query: listQuery,
      responses: { 200: '{ items, nextCursor }', 304: 'not modified since the ETag given', 400: 'invalid filter' },
      handler: async (ctx, { query }) => {
        // The parsed query is the key: defaults filled in, keys in schema order, q trimmed.
        const key = `list:${JSON.stringify(query)}`;
        const page = await publicCache.get(key, async () => {
          const { items, nextCursor } = await listPublic(db, query);
          return { body: JSON.stringify({ items: items.map(toPublicSummary), nextCursor }) };
        });
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
          // By _id alone, status checked here: FerretDB pushes an _id equality down, not an $in beside it.
          const doc = await disclosureCollection(db).findOne(
            { _id: new Types.ObjectId(params.id) },
            { projection: { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0, outbox: 0 } },
          );
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
