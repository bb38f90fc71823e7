import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import { AppError } from '../../core/errors.ts';
import { importCsvReactions } from '../../core/opinion/collect/csv-import.ts';
import { importManualReactions, manualImportInput } from '../../core/opinion/collect/manual-import.ts';
import { keywordQuery, listReactions, reactionKeywords, reactionListQuery } from '../../core/opinion/collect/reaction-list.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** Largest CSV import: about 10 000 short comments. */
export const CSV_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * The app's body parser takes JSON only, so the CSV is read here, with its own limit: a
 * declared length over it is refused before reading, a stream that grows past it is cut off.
 */
async function readCsv(ctx: Context): Promise<string> {
  if (!ctx.is('text/csv')) throw new AppError(415, 'unsupported_media_type', 'send the file as Content-Type: text/csv (UTF-8)');
  if (ctx.request.length > CSV_LIMIT_BYTES) throw new AppError(413, 'payload_too_large', `a CSV import may be at most ${CSV_LIMIT_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > CSV_LIMIT_BYTES) {
      ctx.req.destroy();
      throw new AppError(413, 'payload_too_large', `a CSV import may be at most ${CSV_LIMIT_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const charset = ctx.request.charset;
  if (charset && !/^utf-?8$/i.test(charset)) throw new AppError(415, 'unsupported_media_type', 'the CSV must be UTF-8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    // Excel's plain "CSV" is GBK on Chinese Windows; its "CSV UTF-8" format is what we read.
    throw new AppError(415, 'unsupported_media_type', 'the CSV must be UTF-8 (in Excel: 另存为 “CSV UTF-8”)');
  }
}

/** Press officers' own finds (manual import), the collected reactions, and what they talk about. */
export function reactionRoutes(db: Connection, now: () => Date = () => new Date()) {
  return [
    route({
      method: 'post',
      path: '/api/v1/reactions',
      summary: 'Import reactions a press officer found (news comments, forums, hotline notes); re-importing the same item stores it once',
      tag: 'opinion',
      auth: ['press', 'admin'],
      body: manualImportInput,
      responses: { 200: '{ inserted, duplicates }', 400: 'an invalid item, named by its index', 403: 'a disclosure of another agency' },
      handler: async (ctx, { body, principal }) => {
        ctx.body = await importManualReactions(db, principalOf({ principal }).agencyCode, body.items, now());
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/reactions/import',
      summary: 'Import reactions from a UTF-8 CSV (Content-Type: text/csv; header text,author,url,at,disclosure_id); bad rows are reported by line and skipped',
      tag: 'opinion',
      auth: ['press', 'admin'],
      responses: {
        200: '{ inserted, duplicates, errors: [{ line, field, message }] }',
        400: 'no or a wrong header',
        413: 'larger than 2 MB',
        415: 'not text/csv',
      },
      handler: async (ctx, { principal }) => {
        const who = principalOf({ principal });
        ctx.body = await importCsvReactions(db, who.agencyCode, await readCsv(ctx), now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reactions',
      summary: 'The agency’s collected reactions, newest first, by disclosure, source, sentiment and day',
      tag: 'opinion',
      auth: ['press', 'admin'],
      query: reactionListQuery,
      responses: { 200: '{ items, nextCursor }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = await listReactions(db, principalOf({ principal }).agencyCode, query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/keywords',
      summary: 'Hot keywords of the agency’s reactions (optionally of one disclosure and one day)',
      tag: 'opinion',
      auth: ['press', 'admin'],
      query: keywordQuery,
      responses: { 200: '{ keywords: [{ keyword, weight }], basedOn }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = await reactionKeywords(db, principalOf({ principal }).agencyCode, query);
      },
    }),
  ];
}
