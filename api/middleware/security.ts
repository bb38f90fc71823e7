import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * The Content-Security-Policy for everything served: JSON, feeds and the HTML pages. Scripts
 * and styles only from this origin and never inline, nothing framed or framing us. Pages may
 * narrow it further for themselves (the press pages do).
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  // Not upgrade-insecure-requests: it would break the pages on http://127.0.0.1 in development.
  upgradeInsecureRequests: null,
};

const helmetMiddleware = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  // Feeds and public JSON are meant to be read by other sites' servers and readers.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
});

/**
 * With no CSP nonces, helmet's headers do not depend on the request: they are worked out once,
 * by running helmet against a recording response, and each response only copies them (helmet per
 * request cost a promise and a dozen header writes on the hottest paths).
 */
function recordHelmet(): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  return helmetMiddleware({ req: { headers: {} }, res } as never, async () => undefined).then(() => headers);
}

const recording = recordHelmet();
let recorded: Record<string, string> | undefined;
void recording.then((headers) => (recorded = headers));

/** The security headers every response carries, once worked out (undefined before that). */
export const securityHeaderValues = (): Readonly<Record<string, string>> | undefined => recorded;

/** Security headers (helmet) on every response, errors included. */
export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    const headers = recorded ?? (await recording);
    // Straight to Node's response: Koa's set() re-checks each value on every request.
    for (const name in headers) ctx.res.setHeader(name, headers[name]!);
    await next();
  };
}
