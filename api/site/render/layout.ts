/**
 * The public website's page frame (政府网站第一平台): header, navigation, footer, the stylesheet
 * and the discovery tags. Any public page, the 依申请公开 ones included, is made like this:
 *
 *   import { html } from '../../render/html.ts';
 *   import { sitePage, siteContext } from './render/layout.ts';
 *   const site = siteContext(ctx, { publicBaseUrl });
 *   ctx.type = 'html';
 *   ctx.body = sitePage({ title: '依申请公开', canonicalPath: '/requests/new', body: html`<h1>…</h1>` }, site);
 *
 * The route's middleware chain should include `pageSecurityHeaders(SITE_CSP)` (api/middleware/
 * security.ts) and, for Chinese HTML error pages (a 400 naming the parameter, 404), `siteErrors(
 * publicBaseUrl)` from api/site/site-errors.ts; sitePages mounts both for the paths it serves, a
 * separate router mounts them itself. Pages need no script: SITE_CSP allows none. Forms post to
 * this origin only (form-action 'self'). The HTML is the same for every reader (so it can be cached and shared): the
 * large-text and high-contrast modes come from `/site/display.css`, which follows the reader's
 * `gk_display` cookie, set by the links to `/display` in the header.
 */
import { html, SafeHtml } from '../../render/html.ts';
import { PAGE_CSP } from '../../render/page-csp.ts';

export const SITE_CSS_PATH = '/site/assets/site.css';
/** Varies by the reader's display cookie; the pages themselves do not. */
export const DISPLAY_CSS_PATH = '/site/display.css';
export const SITE_NAME = '公共资源配置信息公开';

export const SITE_CSP = PAGE_CSP;

export interface SiteContext {
  /** The configured public base URL, no trailing slash: canonical and og:url are built on it. */
  baseUrl: string;
  /** The request's path and query, where the display toggles send the reader back to. */
  here: string;
}

/** Builds the context a page needs from the request; `publicBaseUrl` is the configured one. */
export function siteContext(ctx: { url: string }, deps: { publicBaseUrl: string }): SiteContext {
  return { baseUrl: deps.publicBaseUrl.replace(/\/+$/, ''), here: ctx.url };
}

export interface FeedLinks {
  /** The feeds' query string with the page's filters (without `?`), or '' for all items. */
  query: string;
  title: string;
}

export interface SitePageOptions {
  title: string;
  body: SafeHtml;
  /** Path (and query) of the page's canonical URL, e.g. `/disclosures/6650…`. */
  canonicalPath: string;
  description?: string;
  /** Forms, error pages, result pages of a resident: not for search engines. */
  noindex?: boolean;
  /** `<link rel=alternate>` to the RSS, Atom and JSON feeds of these filters. */
  feeds?: FeedLinks;
  /** Open Graph type; `website` unless said. */
  ogType?: 'website' | 'article';
  /** A schema.org object, emitted as JSON-LD. */
  jsonLd?: Record<string, unknown>;
}

const NAV: readonly (readonly [string, string])[] = [
  ['/', '首页'],
  ['/disclosures', '信息公开'],
  ['/blacklist', '黑名单'],
  ['/subscribe', '订阅'],
  ['/requests/new', '依申请公开'],
];

/** JSON in a script element: `<` escaped so no value can close the element. */
function jsonLdScript(data: Record<string, unknown>): SafeHtml {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return html`<script type="application/ld+json">${new SafeHtml(json)}</script>`;
}

function feedLinks(feeds: FeedLinks | undefined, baseUrl: string): SafeHtml {
  if (!feeds) return html``;
  const q = feeds.query ? `?${feeds.query}` : '';
  return html`<link rel="alternate" type="application/rss+xml" title="${feeds.title}（RSS）" href="${baseUrl}/feeds/rss.xml${q}">
<link rel="alternate" type="application/atom+xml" title="${feeds.title}（Atom）" href="${baseUrl}/feeds/atom.xml${q}">
<link rel="alternate" type="application/feed+json" title="${feeds.title}（JSON Feed）" href="${baseUrl}/feeds/feed.json${q}">`;
}

function displayLink(mode: 'large' | 'contrast', label: string, here: string): SafeHtml {
  return html`<a href="/display?toggle=${mode}&amp;back=${encodeURIComponent(here)}" rel="nofollow">${label}</a>`;
}

/** The whole HTML document of a public page. */
export function sitePage(options: SitePageOptions, site: SiteContext): string {
  const canonical = site.baseUrl + options.canonicalPath;
  const description = options.description ?? '公共资源配置领域政府信息公开：住房保障、国有土地使用权出让、矿业权出让、政府采购、国有产权交易、工程建设项目招标投标及黑名单。';
  const title = options.title === SITE_NAME ? SITE_NAME : `${options.title} - ${SITE_NAME}`;
  const ld = options.jsonLd ? jsonLdScript({ '@context': 'https://schema.org', ...options.jsonLd }) : '';
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
${options.noindex ? html`<meta name="robots" content="noindex">` : ''}
<link rel="canonical" href="${canonical}">
<meta property="og:site_name" content="${SITE_NAME}"><meta property="og:locale" content="zh_CN">
<meta property="og:type" content="${options.ogType ?? 'website'}"><meta property="og:title" content="${options.title}">
<meta property="og:description" content="${description}"><meta property="og:url" content="${canonical}">
${feedLinks(options.feeds, site.baseUrl)}
<link rel="stylesheet" href="${SITE_CSS_PATH}"><link rel="stylesheet" href="${DISPLAY_CSS_PATH}">
${ld}</head>
<body><a class="skip" href="#main">跳到正文</a>
<header class="site-header"><div class="wrap">
<a class="brand" href="/">${SITE_NAME}</a>
<nav aria-label="主导航"><ul>${NAV.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}</ul></nav>
<p class="display-modes">显示：${displayLink('large', '大字模式', site.here)} ${displayLink('contrast', '高对比度', site.here)} <a href="/display?back=${encodeURIComponent(site.here)}" rel="nofollow">显示设置</a></p>
</div></header>
<main id="main" class="wrap" tabindex="-1">${options.body}</main>
<footer class="site-footer"><div class="wrap">
<p>依据《国务院办公厅关于推进公共资源配置领域政府信息公开的意见》（国办发〔2017〕97号）公开。谁批准、谁实施、谁制作、谁公开。</p>
<p><a href="/subscribe">订阅与提醒</a> · <a href="/feeds/rss.xml">RSS</a> · <a href="/sitemap.xml">网站地图</a> · <a href="/requests/new">依申请公开</a></p>
</div></footer></body></html>`.value;
}
