import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context } from 'koa';
import { isNotModified } from './conditional-get.ts';

type Coding = 'br' | 'gzip';
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
/** Below this a compressed body saves less than its headers and the work cost. */
const MIN_COMPRESS_BYTES = 1024;
/**
 * Compressed bodies per cached rendering, made once on first demand and dropped with it: a cache
 * hit then costs no compression, and a 60 KB feed leaves as about a tenth of that.
 */
const compressed = new WeakMap<Buffer, Partial<Record<Coding, Promise<Buffer>>>>();

function compressOnce(bytes: Buffer, coding: Coding): Promise<Buffer> {
  let codings = compressed.get(bytes);
  if (!codings) compressed.set(bytes, (codings = {}));
  // Brotli at quality 5: most of quality 11's gain on text for a small fraction of the time.
  return (codings[coding] ??=
    coding === 'br' ? brotli(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }) : gzip(bytes));
}

/** Accept-Encoding values seen, few and repeated: browsers and readers each send one constant string. */
const codings = new Map<string, Coding | undefined>();

/** Brotli when accepted (smaller), else gzip, else none; q=0 refusals respected. */
function codingFor(ctx: Context): Coding | undefined {
  const header = ctx.get('Accept-Encoding');
  if (!header) return undefined;
  if (codings.has(header)) return codings.get(header);
  const accepted = ctx.acceptsEncodings();
  const coding = accepted.includes('br') ? 'br' : accepted.includes('gzip') ? 'gzip' : undefined;
  if (codings.size >= 256) codings.clear();
  codings.set(header, coding);
  return coding;
}

/**
 * Sends a cached public rendering with its ETag. Clients and proxies may keep it but must
 * revalidate (no-cache, unless the caller allows more), so a withdrawal or correction is never
 * hidden behind max-age; revalidating costs a 304 from memory. Bodies go out compressed when the
 * client accepts br or gzip; the ETag is then weak, as nginx makes it, since the bytes differ
 * while the content is the same.
 */
export async function sendCached(
  ctx: Context,
  cached: { bytes: Buffer; etag: string; lastModified?: Date },
  type: string,
  cacheControl = 'public, no-cache',
): Promise<void> {
  const coding = cached.bytes.length >= MIN_COMPRESS_BYTES ? codingFor(ctx) : undefined;
  const etag = coding ? `W/${cached.etag}` : cached.etag;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', cacheControl);
  ctx.vary('Accept-Encoding');
  if (cached.lastModified) ctx.set('Last-Modified', cached.lastModified.toUTCString());
  const conditional = ctx.get('If-None-Match') || (cached.lastModified && ctx.get('If-Modified-Since'));
  if (conditional && isNotModified(ctx, etag, cached.lastModified ?? new Date(0))) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  if (coding) {
    ctx.body = await compressOnce(cached.bytes, coding);
    ctx.set('Content-Encoding', coding);
  } else {
    ctx.body = cached.bytes;
  }
}
