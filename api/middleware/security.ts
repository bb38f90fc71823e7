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

/** Security headers (helmet) on every response, errors included. */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // Feeds and public JSON are meant to be read by other sites' servers and readers.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}
