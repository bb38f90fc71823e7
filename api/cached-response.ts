import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context } from 'koa';
import { isNotModified } from './conditional-get.ts';
import type { FrontCache } from './front-cache.ts';

export type Coding = 'br' | 'gzip';
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
/** Below this a compressed body saves less than its headers and the work cost. */
const MIN_COMPRESS_BYTES = 1024;
interface Compressed {
  made: Promise<Buffer>;
  /** The bytes once made, for a synchronous read (`compressedNow`). */
  done?: Buffer;
}
/**
 * Compressed bodies per cached rendering, made once on first demand and dropped with it: a cache
 * hit then costs no compression, and a 60 KB feed leaves as about a tenth of that.
 */
const compressed = new WeakMap<Buffer, Partial<Record<Coding, Compressed>>>();

function compressOnce(bytes: Buffer, coding: Coding): Promise<Buffer> {
  let codings = compressed.get(bytes);
  if (!codings) compressed.set(bytes, (codings = {}));
  let entry = codings[coding];
  if (!entry) {
    // Brotli at quality 5: most of quality 11's gain on text for a small fraction of the time.
    const made =
      coding === 'br' ? brotli(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }) : gzip(bytes);
    entry = codings[coding] = { made };
    void made.then((done) => (entry!.done = done), () => undefined);
  }
  return entry.made;
}

/** The coded body if it has been made already; undefined otherwise. */
export function compressedNow(bytes: Buffer, coding: Coding): Buffer | undefined {
  return compressed.get(bytes)?.[coding]?.done;
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
 * The coding `sendCached` would choose for this Accept-Encoding and body, or null when that is
 * not known without negotiating (a header value not seen yet).
 */
export function knownCoding(header: string | undefined, bytes: Buffer): Coding | undefined | null {
  if (bytes.length < MIN_COMPRESS_BYTES || !header) return undefined;
  return codings.has(header) ? codings.get(header) : null;
}

/** The ETag of a cached body as sent in a given coding. */
export const etagFor = (etag: string, coding: Coding | undefined) => (coding ? `W/${etag}` : etag);

const PUBLIC_CACHE_CONTROL = 'public, no-cache';

export interface SendCachedOptions {
  /** The public cache's key of the rendering: with `front`, the front cache answers this URL from then on. */
  key: string;
  front?: FrontCache;
  cacheControl?: string;
  /** With `front`: the security headers the front cache sends for this URL (a page's own set). */
  securityHeaders?: Readonly<Record<string, string>>;
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
  { key, front, cacheControl = PUBLIC_CACHE_CONTROL, securityHeaders }: SendCachedOptions,
): Promise<void> {
  const coding = cached.bytes.length >= MIN_COMPRESS_BYTES ? codingFor(ctx) : undefined;
  const etag = etagFor(cached.etag, coding);
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
  // The whole rendering went out (a 304 or a HEAD says nothing about the body's headers): the
  // front cache may answer this URL from now on.
  if (front && ctx.method === 'GET') front.remember(ctx.url, { key, type, cacheControl, ...(securityHeaders ? { securityHeaders } : {}) });
}
