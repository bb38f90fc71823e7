import type { Context } from 'koa';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { authenticateKey, type Principal } from '../../core/agencies/api-keys.ts';
import { attachmentAccess } from '../../core/attachments/access.ts';
import { fileChunks, MAX_ATTACHMENT_BYTES } from '../../core/attachments/attachment-store.ts';
import { downloadName } from '../../core/attachments/file-types.ts';
import { attachmentName, FileTooLargeError, UnsupportedFileError, uploadAttachment } from '../../core/attachments/upload.ts';
import { AppError, NotFoundError } from '../../core/errors.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';
import type { StaffSessions } from '../staff/staff-session.ts';
import { contentDisposition } from './content-disposition.ts';

const uploadQuery = z.object({ name: attachmentName }).strict();
const downloadParams = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the file’s SHA-256, 64 lowercase hex digits' }),
  name: z.string().min(1).max(1000),
});
const YEAR_SECONDS = 365 * 24 * 3600;

/** The request's bytes, refused with 413 as soon as they pass the limit (Content-Length first). */
async function readFileBody(ctx: Context): Promise<Buffer> {
  if ((ctx.request as { rawBody?: unknown }).rawBody !== undefined) {
    // The JSON body parser read it: a file is sent as its own bytes.
    throw new UnsupportedFileError('send the file’s bytes, not JSON', [{ path: 'Content-Type', message: 'must be application/octet-stream or the file’s own type' }]);
  }
  const encoding = ctx.get('Content-Encoding');
  if (encoding && encoding !== 'identity') throw new UnsupportedFileError('compressed uploads are not accepted', [{ path: 'Content-Encoding', message: 'must be identity' }]);
  if (Number(ctx.get('Content-Length') || 0) > MAX_ATTACHMENT_BYTES) throw new FileTooLargeError();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of ctx.req as AsyncIterable<Buffer>) {
    size += part.length;
    // Node discards the rest of the body once the 413 is answered.
    if (size > MAX_ATTACHMENT_BYTES) throw new FileTooLargeError();
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}

/**
 * One `Range: bytes=` range (PDF readers and resumed downloads ask for them); several ranges, or
 * an `If-Range` for other bytes, get the whole file, as RFC 9110 allows.
 */
function byteRange(ctx: Context, sha256: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const header = ctx.get('Range');
  const ifRange = ctx.get('If-Range');
  if (!header || (ifRange && ifRange !== `"${sha256}"`)) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (!match[1] && !match[2])) return undefined;
  const [start, end] = match[1]
    ? [Number(match[1]), match[2] ? Math.min(Number(match[2]), size - 1) : size - 1]
    : [Math.max(0, size - Number(match[2])), size - 1];
  if (start >= size || start > end || (!match[1] && Number(match[2]) === 0)) return 'unsatisfiable';
  return [start, end];
}

/** The caller, when it shows a key or a staff session; for a download nothing is required. */
function optionalCaller(ctx: Context, services: Services, staff: StaffSessions | undefined) {
  return async (): Promise<Principal | undefined> => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
    if (bearer) return authenticateKey(services.disclosures.db, bearer[1]!).catch(() => undefined);
    return staff?.hasCookie(ctx) ? staff.principal(ctx) : undefined;
  };
}

/**
 * Attachments: an agency's publishers upload files (the bytes are the body, the name a query
 * parameter, so no multipart parser is needed), and anyone downloads those a public item lists
 * at a stable URL named by the file's SHA-256.
 */
export function attachmentRoutes(services: Services, baseUrl: string, staff?: StaffSessions) {
  const { db, now } = services.disclosures;
  return [
    route({
      method: 'post',
      path: '/api/v1/attachments',
      summary: 'Upload a file to attach to a disclosure (PDF, OFD, Word/Excel/PowerPoint/WPS, PNG/JPEG/GIF/WebP, zip; at most 20 MB); answers the entry for `attachments`',
      tag: 'agency',
      auth: ['publisher', 'admin'],
      query: uploadQuery,
      rawBody: { types: ['application/octet-stream', 'application/pdf', 'image/*'], description: 'the file’s bytes; its type is read from them, not from Content-Type' },
      responses: {
        201: '{ name, url, sha256, size, contentType }: put it in the disclosure’s attachments',
        200: 'the same file was already uploaded by this agency: the same answer',
        400: 'no or a bad name, or a name whose extension does not match the content (named)',
        413: 'larger than 20 MB',
        415: 'content of a kind that cannot be attached, JSON, or a compressed body (named)',
      },
      handler: async (ctx, { query, principal }) => {
        const bytes = await readFileBody(ctx);
        const { created, ...uploaded } = await uploadAttachment(db, principalOf({ principal }), { name: query.name, bytes, baseUrl, now: now() });
        ctx.status = created ? 201 : 200;
        ctx.body = uploaded;
      },
    }),
    route({
      method: 'get',
      path: '/attachments/:sha256/:name',
      summary: 'Download an attachment: public once a published item lists it, before that only for the uploading agency’s staff and keys',
      tag: 'public',
      params: downloadParams,
      responses: { 200: 'the file, with its type and name (Content-Disposition), ETag = its SHA-256', 206: 'the bytes of one Range', 304: 'unchanged (If-None-Match)', 404: 'no such file, or not public', 416: 'a Range past the end' },
      produces: ['application/octet-stream'],
      handler: async (ctx, { params }) => {
        const access = await attachmentAccess(db, params.sha256, optionalCaller(ctx, services, staff));
        if (!access) {
          ctx.set('Cache-Control', 'no-store');
          throw new NotFoundError('no such attachment, or it is not public yet');
        }
        const { file } = access;
        // The bytes behind a hash never change: shared caches may keep a public file for good.
        ctx.set('Cache-Control', access.visibility === 'public' ? `public, max-age=${YEAR_SECONDS}, immutable` : 'private, no-store');
        ctx.set('ETag', `"${file._id}"`);
        if (access.visibility === 'agency') ctx.set('Vary', 'Cookie, Authorization');
        ctx.status = 200;
        if (ctx.fresh) {
          ctx.status = 304;
          return;
        }
        ctx.set('Accept-Ranges', 'bytes');
        const range = byteRange(ctx, file._id, file.size);
        if (range === 'unsatisfiable') {
          ctx.set('Content-Range', `bytes */${file.size}`);
          ctx.set('Cache-Control', 'no-store');
          throw new AppError(416, 'range_not_satisfiable', `the file has ${file.size} bytes`);
        }
        ctx.set('Content-Type', file.contentType);
        ctx.set('Content-Disposition', contentDisposition(downloadName(params.name, file.contentType, file._id)));
        ctx.set('X-Content-Type-Options', 'nosniff');
        const [start, end] = range ?? [0, file.size - 1];
        if (range) {
          ctx.status = 206;
          ctx.set('Content-Range', `bytes ${start}-${end}/${file.size}`);
        }
        ctx.length = end - start + 1;
        if (ctx.method === 'HEAD') return;
        ctx.body = Readable.from(fileChunks(db, file, start, end), { objectMode: false });
      },
    }),
  ];
}
