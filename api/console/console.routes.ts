import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import { pageSecurityHeaders } from '../middleware/security.ts';

/** Where `npm run build` (console/vite.config.ts) writes the console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/**
 * Nothing but this service's own files: no inline script or style element, no CDN, no framing.
 * `img-src data:` is for Element Plus's few CSS-drawn images; styles set through the CSSOM
 * (Vue's `:style`) are not inline styles in CSP's sense.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.png': 'image/png' };

/**
 * The agency console at /console: the built single-page app. Its pages are client routes, so
 * every path without a file extension answers index.html; hashed assets are cached for a year.
 * Files are read once and kept (the build is a few files, about 1.4 MB).
 */
export function consolePages(dir = CONSOLE_DIR): Middleware {
  const cache = new Map<string, Buffer>();
  const read = async (name: string) => {
    let body = cache.get(name);
    if (!body) {
      body = await readFile(path.join(dir, name));
      cache.set(name, body);
    }
    return body;
  };
  const headers = pageSecurityHeaders(CONSOLE_CSP);
  return async (ctx, next) => {
    if (ctx.path !== '/console' && !ctx.path.startsWith('/console/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    await headers(ctx, async () => {
      const rest = ctx.path.slice('/console/'.length);
      const asset = /^assets\/[\w.-]+\.(js|css|svg|woff2?|ttf|png)$/.exec(rest);
      if (asset) {
        try {
          ctx.body = await read(rest);
        } catch {
          return; // 404 from the error handler
        }
        ctx.type = TYPES[path.extname(rest)] ?? 'application/octet-stream';
        ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
        return;
      }
      if (path.extname(rest)) return;
      try {
        ctx.body = await read('index.html');
      } catch {
        ctx.status = 503;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'The console is not built: run `npm run build`.\n';
        return;
      }
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
    });
  };
}
