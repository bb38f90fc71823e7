/**
 * The policy of gongkai's server-rendered pages (the website, /press): everything comes from
 * gongkai itself and nothing runs inline — charts are server-made SVG and every action is a plain
 * form, so no page needs script at all; forms post back here only.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
