import type { Context } from 'koa';

/**
 * RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since; dates compare at whole seconds,
 * the precision of HTTP dates.
 */
export function isNotModified(ctx: Context, etag: string, lastModified: Date): boolean {
  return notModified(ctx.get('If-None-Match'), ctx.get('If-Modified-Since'), etag, lastModified);
}

/** The same, from the two header values (absent: undefined or empty). */
export function notModified(inm: string | undefined, ims: string | undefined, etag: string, lastModified: Date): boolean {
  if (inm) {
    const strip = (tag: string) => tag.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((tag) => strip(tag) === strip(etag));
  }
  if (!ims) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
