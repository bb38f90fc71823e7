import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * What the API answers is data (JSON, feeds, CSV), never a page: a browser that opens it must
 * run nothing, load nothing and frame nothing. Its CSP is therefore `default-src 'none'`, and the
 * headers that only mean something to an HTML document (COOP, Origin-Agent-Cluster, DNS prefetch,
 * IE's download and XSS switches, Adobe's cross-domain policy) are left off, as the OWASP REST
 * security cheat sheet advises; they were a third of a cached read's header bytes. The one set of
 * pages (/press) adds the document headers for itself (`pageSecurityHeaders`).
 */
const dataHelmet = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // Feeds and public JSON are meant to be read by other sites' servers and readers.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  frameguard: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

/**
 * With no CSP nonces, helmet's headers do not depend on the request: they are worked out once,
 * by running helmet against a recording response, and each response only copies them (helmet per
 * request cost a promise and a dozen header writes on the hottest paths).
 */
function recordHelmet(): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  return dataHelmet({ req: { headers: {} }, res: recordingResponse(headers) } as never, async () => undefined).then(() => headers);
}

/** A response that only keeps the headers written to it, into `headers`. */
function recordingResponse(headers: Record<string, string>) {
  return {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
}

const recording = recordHelmet();
let recorded: Record<string, string> | undefined;
void recording.then((headers) => (recorded = headers));

/** The security headers every response carries, once worked out (undefined before that). */
export const securityHeaderValues = (): Readonly<Record<string, string>> | undefined => recorded;

/** Security headers (helmet's, for data) on every response, errors included. */
export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    const headers = recorded ?? (await recording);
    // Straight to Node's response: Koa's set() re-checks each value on every request.
    for (const name in headers) ctx.res.setHeader(name, headers[name]!);
    await next();
  };
}

const documentHelmet = () =>
  helmet({
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });

/**
 * HTML pages: helmet's document headers on top of the data set, with the pages' own CSP, and
 * resources readable by this origin only.
 */
export function pageSecurityHeaders(csp: string): Middleware {
  const pageHelmet = documentHelmet();
  return (ctx, next) => {
    ctx.set('Content-Security-Policy', csp);
    return pageHelmet(ctx, next);
  };
}

/**
 * Every security header a page under `pageSecurityHeaders(csp)` carries, worked out once the way
 * the data set is, so the front cache can answer a page with the page's headers, not the API's.
 */
export async function pageSecurityHeaderValues(csp: string): Promise<Readonly<Record<string, string>>> {
  const headers: Record<string, string> = { ...(await recording) };
  await documentHelmet()({ req: { headers: {} }, res: recordingResponse(headers) } as never, async () => undefined);
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-security-policy') delete headers[name];
  headers['Content-Security-Policy'] = csp;
  return headers;
}
