import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

/**
 * CORS for the configured origins only (CORS_ORIGINS). Another origin, or a request without
 * Origin, gets no CORS headers at all, so the browser keeps the response from that page.
 * Never `*` and never credentials: agency keys travel in Authorization, which a page must
 * add itself, and the press pages' cookies are for this origin alone.
 */
export function corsForOrigins(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx: Context) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    credentials: false,
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'If-Modified-Since'],
    exposeHeaders: ['ETag', 'Last-Modified', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });
}
