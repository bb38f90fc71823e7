import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { closingOf } from '../../core/catalogue/closing.ts';
import { catalogue } from '../../core/catalogue/index.ts';
import { agencyCode, idParam } from '../../core/disclosures/input.ts';
import { listQuery, PUBLIC_STATUSES, type ListQuery } from '../../core/disclosures/list.ts';
import { toPublicView } from '../../core/disclosures/views.ts';
import { NotFoundError } from '../../core/errors.ts';
import { publicResponsesOf } from '../../core/opinion/respond/responses-of.ts';
import type { Services } from '../../core/services.ts';
import { sendCached } from '../cached-response.ts';
import type { FrontCache } from '../front-cache.ts';
import { pageSecurityHeaders, pageSecurityHeaderValues } from '../middleware/security.ts';
import { displayCss, displayRoute } from './display.ts';
import { closingNote, closingSection, closingWindow } from './render/closing.ts';
import { disclosurePage } from './render/disclosure-page.ts';
import { homeBody } from './render/home-page.ts';
import { DISPLAY_CSS_PATH, SITE_CSP, SITE_CSS_PATH, sitePage, siteContext, type SitePageOptions } from './render/layout.ts';
import { listPageOptions } from './render/list-pages.ts';
import { subscribeBody, type QrBlock } from './render/subscribe-page.ts';
import { siteErrors } from './site-errors.ts';
import { disclosuresSitemap, pagesSitemap, SITEMAP_PAGE, sitemapIndex } from './sitemap.ts';
import { listState, queryString } from './render/list-page.ts';
import type { SubscribeQrCodes } from '../../core/wechat-qr/qr-codes.ts';
import type { SubscribeMpCodes } from '../../core/wechat-qr/mp-codes.ts';
import type { SceneFilters } from '../../core/wechat-qr/scene.ts';

export interface SitePageDeps {
  services: Services;
  /** The configured public base URL: canonical links, Open Graph and the sitemap use it. */
  publicBaseUrl: string;
  /** The public endpoints' rate limit, applied to pages too. */
  rateLimit?: Middleware;
  /** Mark the display cookie Secure (the public base URL is https). */
  secureCookies?: boolean;
  /** The official account's name, shown on the subscribe page when configured. */
  accountName?: string;
  /** Answers repeated page reads before Koa, with the pages' own security headers. */
  front?: FrontCache;
  /** The official account's subscribe QR codes; absent (no account configured): text commands only. */
  subscribeQr?: SubscribeQrCodes;
  /** The mini-program's codes for the subscribe page; absent (no mini-program configured): the page describes it in text. */
  subscribeMpCode?: SubscribeMpCodes;
}

const CSS = readFileSync(new URL('./assets/site.css', import.meta.url), 'utf8');
const HTML_TYPE = 'text/html; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';
const PUBLIC = new Set<string>(PUBLIC_STATUSES);
const DETAIL_PROJECTION = { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0, outbox: 0 };
const HOME_ITEMS = 5;
/** 本周截止 lists at most this many, soonest first. */
const HOME_CLOSING = 20;
/** `<scene>.png`: the scene as the OA code writes it (at most 32 characters for the mini-program). */
const mpCodeFile = z.string().regex(/^(sub1_[a-z-]{1,20}_(?:\d{6}|0)|sub1_0_\d{6})\.png$/).transform((file) => file.slice(0, -'.png'.length)).pipe(z.string().max(32));
const detailSchema = z.object({ revision: z.coerce.number().int().min(1).max(10_000).optional() }).strict();

/** The paths this site answers; everything else goes on to the API. */
const SITE_PATH = /^\/(?:$|disclosures(?:\/[^/]+)?\/?$|agencies\/[^/]+\/?$|blacklist\/?$|subscribe\/?$|display\/?$|sitemap\.xml$|sitemaps\/[^/]+\.xml$|robots\.txt$|site\/)/;

/** Form boxes left empty arrive as `name=`: they mean "any", not a bad value. */
function filledQuery(ctx: Context): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(ctx.query).filter(([, v]) => v !== '' && v !== undefined)) as Record<string, string | string[]>;
}

/**
 * The public website (政府网站第一平台): server-rendered pages in Chinese over the read model,
 * cached like the API (ETag, 304, emptied on every public change, the front cache in front). The
 * front cache is handed the pages' own security headers: with the API's data CSP a page's
 * stylesheet would be refused.
 */
export function sitePages(deps: SitePageDeps): Middleware {
  const { services, publicBaseUrl, front } = deps;
  const { store, readModel, publicCache } = services;
  const now = services.disclosures.now;
  const baseUrl = publicBaseUrl.replace(/\/+$/, '');
  const router = new Router();
  const secure = (ctx: Context) => deps.secureCookies === true || ctx.secure;
  let pageHeaders: Readonly<Record<string, string>> | undefined;
  void pageSecurityHeaderValues(SITE_CSP).then((headers) => (pageHeaders = headers));
  const sendOptions = (key: string) => ({ key, ...(front && pageHeaders ? { front, securityHeaders: pageHeaders } : {}) });

  type PageRender = () => Promise<SitePageOptions & { lastModified?: Date; here?: string; until?: Date }>;
  /** A page rendered once per key and public state; `until`: the moment its rendering stops being right (a closing shown as ahead). */
  const renderedPage = (key: string, render: PageRender) =>
    publicCache.get(`site:${key}`, async () => {
      const { lastModified, here, until, ...options } = await render();
      // One rendering serves every URL of the key: its display links return to the key's own URL.
      return { body: sitePage(options, { baseUrl, here: here ?? options.canonicalPath }), lastModified, until };
    });
  /** A page rendered once per key and public state, sent with its ETag. */
  const cachedPage = async (ctx: Context, key: string, render: PageRender) => {
    await sendCached(ctx, await renderedPage(key, render), HTML_TYPE, sendOptions(`site:${key}`));
  };
  const cachedXml = async (ctx: Context, key: string, render: () => Promise<string>) => {
    const page = await publicCache.get(`site:${key}`, async () => ({ body: await render() }));
    await sendCached(ctx, page, XML_TYPE, sendOptions(`site:${key}`));
  };
  const parseList = (ctx: Context, fixed: Partial<ListQuery> = {}): ListQuery => {
    const raw = filledQuery(ctx);
    for (const key of Object.keys(fixed)) if (key in raw) delete raw[key];
    return listQuery.parse({ ...raw, ...fixed, facets: 'true' });
  };

  router.get(SITE_CSS_PATH, (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = CSS;
  });
  router.get(DISPLAY_CSS_PATH, displayCss);
  router.get('/display', displayRoute(baseUrl, secure));
  router.get('/robots.txt', (ctx) => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `User-agent: *\nDisallow: /display\nDisallow: /api/\nSitemap: ${baseUrl}/sitemap.xml\n`;
  });

  // Cached per China hour, since 本周截止 moves with the clock while the cache is emptied only on
  // public changes; and not handed to the front cache, which would go on answering `/` from the
  // last hour's rendering.
  router.get('/', async (ctx) => {
    const week = closingWindow(now());
    const key = `home:${week.key}`;
    const page = await renderedPage(key, async () => {
      const latestOf = async (field: (typeof catalogue)[number]) => ({
        code: field.code,
        name: field.name,
        items: (await readModel.listPublic({ field: field.code, limit: HOME_ITEMS })).items,
      });
      const [closing, latest] = await Promise.all([readModel.closingBetween({}, week.from, week.to, HOME_CLOSING), Promise.all(catalogue.map(latestOf))]);
      return { title: '公共资源配置信息公开', canonicalPath: '/', body: homeBody(latest, closingSection(closing, week.today)), feeds: { query: '', title: '全部公开信息' } };
    });
    await sendCached(ctx, page, HTML_TYPE, { key: `site:${key}` });
  });

  router.get('/disclosures', (ctx) => {
    const query = parseList(ctx);
    return cachedPage(ctx, `list:${JSON.stringify(query)}`, async () => listPageOptions('/disclosures', query, await readModel.listPublic(query)));
  });

  router.get('/blacklist', (ctx) => {
    const query = parseList(ctx, { field: 'blacklist' });
    return cachedPage(ctx, `blacklist:${JSON.stringify(query)}`, async () => listPageOptions('/blacklist', query, await readModel.listPublic(query)));
  });

  router.get('/agencies/:code', (ctx) => {
    const code = String(ctx.params.code);
    if (!agencyCode.safeParse(code).success) throw new NotFoundError('no such agency');
    const query = parseList(ctx, { agency: code } as Partial<ListQuery>);
    return cachedPage(ctx, `agency:${JSON.stringify(query)}`, async () => {
      const page = await readModel.listPublic(query);
      return listPageOptions(`/agencies/${encodeURIComponent(code)}`, query, page);
    });
  });

  router.get('/disclosures/:id', async (ctx) => {
    // A malformed id names no page: 404, as an unknown one.
    const parsed = idParam.safeParse(ctx.params);
    if (!parsed.success) throw new NotFoundError('no such disclosure');
    const { id } = parsed.data;
    const { revision } = detailQuery(ctx);
    const render: PageRender = async () => {
      const doc = await store.get(id, { projection: DETAIL_PROJECTION });
      if (!doc || !PUBLIC.has(doc.status)) throw new NotFoundError(`no public disclosure ${id}`);
      const view = toPublicView(doc);
      const shown = view.revisions.find((r) => r.n === (revision ?? view.revision));
      if (!shown) throw new NotFoundError(`disclosure ${id} has no revision ${revision}`);
      const { items: responses } = await publicResponsesOf({ store, readModel }, id);
      // The closing of the current revision, from its public content, while it is ahead.
      const at = now();
      const closing = shown.n === view.revision && !view.withdrawn ? closingOf(view.field, view.itemType, shown.content) : undefined;
      const ahead = closing && closing.at > at ? closing : undefined;
      return {
        ...disclosurePage(view, shown, baseUrl, responses, ahead ? closingNote(ahead) : undefined),
        lastModified: doc.publicChangedAt,
        ...(ahead ? { until: ahead.at } : {}),
      };
    };
    // A rendering that shows a closing as ahead is right until that moment: after it the page is
    // rendered again under another key. The front cache never answers from a rendering with `until`.
    let key = `detail:${id}:${revision ?? ''}`;
    let page = await renderedPage(key, render);
    if (page.until && now() >= page.until) page = await renderedPage((key = `${key}:closed`), render);
    await sendCached(ctx, page, HTML_TYPE, sendOptions(`site:${key}`));
  });

  router.get('/subscribe', async (ctx) => {
    const state = listState(parseList(ctx));
    // The page shows the field and region only (the code and the feeds subscribe to those).
    const shown = { ...(state.field ? { field: state.field } : {}), ...(state.region ? { region: state.region } : {}) };
    const qs = queryString(shown);
    const here = `/subscribe${qs ? `?${qs}` : ''}`;
    // The mini-program's code, when one is made for the page's filters (never throws: else text only).
    const mpCodes = deps.subscribeMpCode;
    const mpCode = mpCodes && qs ? await mpCodes.forFilters(shown as SceneFilters) : undefined;
    const mp = mpCode && mpCodes ? { code: mpCode, sandbox: mpCodes.sandbox } : undefined;
    const mpKey = mp && mpCodes ? `:mp:${mpCodes.appId}${mpCodes.sandbox ? ':sandbox' : ''}` : '';
    const render = (qr: QrBlock) => async () => ({
      title: '订阅与提醒',
      canonicalPath: '/subscribe',
      here,
      body: subscribeBody(shown, baseUrl, deps.accountName, qr, mp),
      feeds: { query: '', title: '全部公开信息' },
    });
    const codes = deps.subscribeQr;
    if (!codes && (mp || !mpCodes || !qs)) return cachedPage(ctx, `subscribe:${qs}${mpKey}`, render({ kind: 'none' }));
    if (!qs) return cachedPage(ctx, 'subscribe:pick', render({ kind: codes ? 'unavailable' : 'none' }));
    const qr = codes && (await codes.forFilters(shown as SceneFilters));
    if (codes && qr && (mp || !mpCodes)) return cachedPage(ctx, `subscribe:${qs}:${codes.appId}${codes.sandbox ? ':sandbox' : ''}:${qr.scene}${mpKey}`, render({ kind: 'code', qr, sandbox: codes.sandbox }));
    // A code missing: cached, but not handed to the front cache, so a later view can try WeChat again.
    const block: QrBlock = !codes ? { kind: 'none' } : qr ? { kind: 'code', qr, sandbox: codes.sandbox } : { kind: 'unavailable' };
    const key = `site:subscribe:${qs}:${block.kind}${mpKey}:unavailable`;
    const page = await publicCache.get(key, async () => ({ body: sitePage(await render(block)(), { baseUrl, here }) }));
    await sendCached(ctx, page, HTML_TYPE, { key });
  });

  // The mini-program codes the subscribe page shows: only stored ones, never fetched from WeChat here.
  router.get('/site/mp-code/:file', async (ctx) => {
    const parsed = mpCodeFile.safeParse(String(ctx.params.file));
    const image = parsed.success && deps.subscribeMpCode ? await deps.subscribeMpCode.image(parsed.data) : undefined;
    if (!image) throw new NotFoundError('no such mini-program code');
    ctx.type = image.contentType;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = image.bytes;
  });

  router.get('/sitemap.xml', (ctx) => cachedXml(ctx, 'sitemap', async () => sitemapIndex(baseUrl, (await readModel.status()).publicRows)));
  router.get('/sitemaps/:file', (ctx) => {
    const file = String(ctx.params.file);
    if (file === 'pages.xml') {
      return cachedXml(ctx, 'sitemap:pages', async () => {
        const { facets } = await readModel.listPublic({ limit: 1, facets: true });
        return pagesSitemap(baseUrl, facets?.agency.map((a) => a.value) ?? []);
      });
    }
    const match = /^disclosures-([1-9]\d{0,5})\.xml$/.exec(file);
    if (!match) throw new NotFoundError('no such sitemap');
    const n = Number(match[1]);
    return cachedXml(ctx, `sitemap:${n}`, async () => {
      const entries = await readModel.publicSitemap((n - 1) * SITEMAP_PAGE, SITEMAP_PAGE);
      if (!entries.length && n > 1) throw new NotFoundError('no such sitemap');
      return disclosuresSitemap(baseUrl, entries);
    });
  });

  const chain = [pageSecurityHeaders(SITE_CSP), siteErrors(baseUrl), ...(deps.rateLimit ? [deps.rateLimit] : []), router.routes(), router.allowedMethods({ throw: true })] as Middleware[];
  return (ctx, next) => {
    if (!SITE_PATH.test(ctx.path) || ctx.path.startsWith('/requests')) return next();
    const step = (i: number): Promise<unknown> => (i < chain.length ? Promise.resolve(chain[i]!(ctx, () => step(i + 1))) : next());
    return step(0);
  };
}

/** `?revision=N` only, as the API's detail takes it. */
function detailQuery(ctx: Context): { revision?: number } {
  return detailSchema.parse(filledQuery(ctx));
}
