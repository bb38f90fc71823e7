import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Cached, PublicCache, Rendered } from '../core/public-cache.ts';
import { compressedNow, etagFor, knownCoding, type Coding } from './cached-response.ts';
import { notModified } from './conditional-get.ts';
import { accessLines, logAccess } from './middleware/access-log.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { securityHeaderValues } from './middleware/security.ts';

/** How a public URL was answered from the public cache: enough to answer it again. */
export interface FrontRoute {
  /** The public cache's key for the URL's rendering. */
  key: string;
  type: string;
  cacheControl: string;
  /** The security headers to send instead of the API's data set (HTML pages have their own CSP). */
  securityHeaders?: Readonly<Record<string, string>>;
}

export interface FrontCacheOptions {
  publicCache: PublicCache;
  logger: Logger;
  /** The public rate limit's buckets, keyed by client address as the Koa path keys them. */
  takeToken: (client: string) => number | undefined;
  /** Koa's `app.proxy`: the client is the last X-Forwarded-For hop. */
  trustProxy: boolean;
  /** CORS is configured: every response varies by Origin, and requests with one go the Koa way. */
  cors: boolean;
  /** URLs remembered at most; the least recently remembered is forgotten first. */
  maxUrls?: number;
}

export type FrontCache = ReturnType<typeof frontCache>;

/** Longer URLs are answered the Koa way every time. */
const MAX_URL_LENGTH = 2048;

/**
 * Answers repeated public reads (list pages, details, feeds) before Koa sees them. A URL is
 * remembered once the Koa path has answered it 200 from the public cache; later GETs of exactly
 * that URL are answered here from the same cache entry while `publicCache.peek` says the entry is
 * current: a 200 with the same headers and body, or the same 304 to a matching If-None-Match /
 * If-Modified-Since (feed readers poll that way), with the same rate limit and access line.
 * Anything else — HEAD, a new Accept-Encoding value, an entry not yet rendered or gone stale, an
 * empty rate-limit bucket, a cross-origin request — goes the Koa way, which renders, negotiates
 * and refuses as usual. On a cached read Koa's context, router, query parsing and middleware
 * chain were three quarters of the CPU time.
 */
export function frontCache({ publicCache, logger, takeToken, trustProxy, cors, maxUrls = 4096 }: FrontCacheOptions) {
  const routes = new Map<string, FrontRoute>();
  const lines = accessLines(logger);
  const vary = cors ? 'Origin, Accept-Encoding' : 'Accept-Encoding';
  let served = 0;
  /**
   * Response headers per rendering, coding and route, made on first use and dropped with the
   * rendering: a 200's, and a 304's (the same up to Last-Modified, without the body's headers).
   */
  const headerArrays = new WeakMap<Buffer, Map<string, { ok?: string[]; notModified: string[] }>>();

  function headersFor(route: FrontRoute, cached: Cached<Rendered>, coding: Coding | undefined, body: Buffer | undefined, security: Readonly<Record<string, string>>) {
    let arrays = headerArrays.get(cached.bytes);
    if (!arrays) headerArrays.set(cached.bytes, (arrays = new Map()));
    const key = `${coding ?? ''}\n${route.type}\n${route.cacheControl}${route.securityHeaders ? '\npage' : ''}`;
    let made = arrays.get(key);
    if (made) return made;
    const notModified = ['X-Request-Id', ''];
    const sent = route.securityHeaders ?? security;
    for (const name in sent) notModified.push(name, sent[name]!);
    notModified.push('ETag', etagFor(cached.etag, coding), 'Cache-Control', route.cacheControl, 'Vary', vary);
    const { lastModified } = cached as { lastModified?: Date };
    if (lastModified) notModified.push('Last-Modified', lastModified.toUTCString());
    // A 304 can be answered before the coded body exists; the 200's headers wait for it.
    if (!body) return { notModified };
    const ok = [...notModified, 'Content-Type', route.type, 'Content-Length', String(body.length)];
    if (coding) ok.push('Content-Encoding', coding);
    arrays.set(key, (made = { ok, notModified }));
    return made;
  }

  function clientOf(req: IncomingMessage): string {
    if (trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      if (typeof forwarded === 'string' && forwarded) {
        const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
        if (last) return last;
      }
    }
    return req.socket.remoteAddress ?? '';
  }

  return {
    /** Called by a route that just sent a whole (200) cached rendering for `url`. */
    remember(url: string, route: FrontRoute): void {
      // The map holds URLs as sent: padding (`&&&…`) must not make each entry kilobytes long.
      if (url.length > MAX_URL_LENGTH || routes.has(url)) return;
      routes.set(url, route);
      if (routes.size > maxUrls) routes.delete(routes.keys().next().value!);
    },

    /** Answers the request and returns true, or returns false having written nothing. */
    serve(req: IncomingMessage, res: ServerResponse): boolean {
      try {
        return answer(req, res);
      } catch (error) {
        // Koa catches what its handlers throw; this runs outside it, where a throw would reach
        // the process. Nothing sent yet: Koa answers instead.
        logger.error({ err: error, path: req.url?.split('?')[0] }, 'front cache failed; the request goes the Koa way');
        if (!res.headersSent) return false;
        res.destroy();
        return true;
      }
    },

    /** Requests answered here since start. */
    get served(): number {
      return served;
    },
  };

  function answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const route = routes.get(req.url!);
    if (!route) return false;
    const started = process.hrtime.bigint();
    const headers = req.headers;
    if (cors && headers.origin) return false;
    const security = securityHeaderValues();
    const cached = publicCache.peek(route.key);
    // A rendering right only until a moment (`until`: a site page showing a deadline as ahead) is
    // answered the Koa way, which knows the clock and renders it again once that moment passes.
    if (!security || !cached || (cached as { until?: Date }).until) return false;
    const coding = knownCoding(headers['accept-encoding'], cached.bytes);
    if (coding === null) return false;
    // Conditional as sendCached decides it: If-None-Match, or If-Modified-Since when dated.
    const { lastModified } = cached as { lastModified?: Date };
    const inm = headers['if-none-match'];
    const ims = lastModified ? headers['if-modified-since'] : undefined;
    const unchanged = Boolean(inm || ims) && notModified(inm, ims, etagFor(cached.etag, coding), lastModified ?? new Date(0));
    const body = coding ? compressedNow(cached.bytes, coding) : cached.bytes;
    if (!unchanged && !body) return false;
    if (takeToken(clientOf(req)) !== undefined) return false;

    const arrays = headersFor(route, cached, coding, body, security);
    const out = unchanged ? arrays.notModified : arrays.ok!;
    // writeHead reads the array before returning, so the one slot that differs per request is
    // written into the shared array.
    const reqId = (out[1] = requestIdOf(headers['x-request-id'] as string | undefined));
    const status = unchanged ? 304 : 200;
    res.writeHead(status, out);
    res.end(unchanged ? undefined : body);
    served++;
    const query = req.url!.indexOf('?');
    logAccess(lines, reqId, 'GET', query < 0 ? req.url! : req.url!.slice(0, query), status, started);
    return true;
  }
}
