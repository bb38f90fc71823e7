import type { Context } from 'koa';
import { isNotModified } from './conditional-get.ts';

/**
 * Sends a cached public rendering with its ETag. Clients and proxies may keep it but must
 * revalidate (no-cache), so a withdrawal or correction is never hidden behind max-age;
 * revalidating costs a 304 from memory.
 */
export function sendCached(ctx: Context, cached: { bytes: Buffer; etag: string; lastModified?: Date }, type: string): void {
  ctx.set('ETag', cached.etag);
  ctx.set('Cache-Control', 'public, no-cache');
  if (cached.lastModified) ctx.set('Last-Modified', cached.lastModified.toUTCString());
  const conditional = ctx.get('If-None-Match') || (cached.lastModified && ctx.get('If-Modified-Since'));
  if (conditional && isNotModified(ctx, cached.etag, cached.lastModified ?? new Date(0))) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  ctx.body = cached.bytes;
}
