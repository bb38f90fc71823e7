import type { Context } from 'koa';

/**
 * RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since; dates compare at whole seconds,
 * the precision of HTTP dates.
 */
export function isNotModified(ctx: Context, etag: string, lastModified: Date): boolean {
  const inm = ctx.get('If-None-Match');
  if (inm) {
    const strip = (tag: string) => tag.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((tag) => strip(tag) === strip(etag));
  }
  const ims = ctx.get('If-Modified-Since');
  if (!ims) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
