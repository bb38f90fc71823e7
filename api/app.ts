import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { IncomingMessage, type ServerResponse } from 'node:http';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { SandboxOutbox } from '../channels/sandbox/outbox.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Services } from '../core/services.ts';
import { metricsRoute, sandboxOutboxRoute } from './routes/ops.routes.ts';
import { channelsRoutes } from './routes/channels.routes.ts';
import { accessLog } from './middleware/access-log.ts';
import { frontCache, type FrontCache } from './front-cache.ts';
import { errorHandler } from './middleware/errors.ts';
import { failedAuthLimit, keyRateLimit, rateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { securityHeaders } from './middleware/security.ts';
import { corsForOrigins } from './middleware/cors.ts';
import { rejectUnsafeKeys } from './middleware/safe-keys.ts';
import { openApiDocument } from './openapi.ts';
import { mount, route, type RouteSpec } from './route-spec.ts';
import { catalogueRoutes } from './routes/catalogue.routes.ts';
import { deliveryRoutes } from './routes/deliveries.routes.ts';
import { channelAccountRoutes } from './routes/channel-accounts.routes.ts';
import { staffAlertRoutes } from './routes/staff-alerts.routes.ts';
import type { StaffAlertWiring } from '../core/staff-alerts/senders.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { disclosureRoutes } from './routes/disclosures.routes.ts';
import { feedRoutes } from './routes/feeds.routes.ts';
import { healthRoutes, type HealthDeps } from './routes/health.routes.ts';
import { publicRoutes } from './routes/public.routes.ts';
import { agencyRoutes } from './routes/agencies.routes.ts';
import { residentRoutes, type ResidentDeps } from './routes/residents.routes.ts';
import { requireResident } from './middleware/resident-auth.ts';
import { wechatOaRoutes } from './routes/wechat-oa.routes.ts';
import { wechatMpRoutes } from './routes/wechat-mp.routes.ts';
import { reportRoutes } from './routes/reports.routes.ts';
import { requestRoutes, residentRequestRoutes } from './routes/requests.routes.ts';
import { reactionRoutes } from './routes/reactions.routes.ts';
import { reviewRoutes } from './routes/review.routes.ts';
import { auditRoutes } from './routes/audit.routes.ts';
import { opinionRoutes } from './routes/opinion.routes.ts';
import { opinionRespondRoutes } from './routes/opinion-respond.routes.ts';
import type { WeiboReplier } from '../channels/weibo/weibo-reply.ts';
import { pressPages, type PressPageDeps } from './pages/press.routes.ts';
import { consolePages } from './console/console.routes.ts';
import { previewRoutes } from './routes/preview.routes.ts';
import { publicLinkRoutes } from './routes/public-links.routes.ts';
import type { PreviewTemplates } from '../core/fanout/preview.ts';
import { dueDateRoutes } from './routes/due-date.routes.ts';
import { sitePages } from './site/site.routes.ts';
import { attachmentRoutes } from './routes/attachments.routes.ts';
import { requestPages } from './site/request-pages.ts';
import { subscribeMpCodes, subscribeQrCodes } from './site/subscribe-qr.ts';
import type { QrCodeMaker } from '../core/wechat-qr/qr-codes.ts';
import type { MpCodeMaker } from '../core/wechat-qr/mp-codes.ts';
import { staffRoutes } from './routes/staff.routes.ts';
import { createStaffSessions } from './staff/staff-session.ts';
import { createSignInThrottle, type ThrottleOptions } from './staff/sign-in-throttle.ts';

export interface AppDeps extends HealthDeps {
  logger: Logger;
  bodyLimit: string;
  services?: Services;
  publicBaseUrl?: string;
  trustProxy?: boolean;
  metrics?: Metrics;
  /** When channels run against the in-process sandbox: what it received. */
  sandboxOutbox?: SandboxOutbox;
  /** Mini-program residents' endpoints, when a mini-program is configured. */
  residents?: ResidentDeps;
  /** The official account's callback (服务器配置); absent: /wechat/oa is not served. */
  wechatOaCallback?: { appId: string; token: string; aesKey?: string; pseudonymKey?: string };
  /** The mini-program's message push (消息推送): consent switched off in 服务通知. */
  wechatMpCallback?: { appId: string; token: string; aesKey?: string; pseudonymKey?: string };
  /** Requests per minute per client on the public (keyless) endpoints. */
  publicRateLimit?: number;
  /** Browser origins allowed to call the API cross-origin (CORS_ORIGINS); none: no CORS headers. */
  corsOrigins?: readonly string[];
  /** The agency account's Weibo, for press officers' replies; absent: responses publish items only. */
  weiboReplier?: WeiboReplier;
  /** The press officers' pages (/press): SESSION_SECRET and, in tests, a clock. */
  press?: Pick<PressPageDeps, 'sessionSecret' | 'now'>;
  /** Requests per minute per API key on the agency endpoints. */
  agencyRateLimit?: number;
  /** The rate limits' clock, in milliseconds (tests inject one instead of sleeping). */
  rateLimitClock?: () => number;
  /** The official account that makes the subscribe page's QR codes; absent: the page shows text commands only. */
  subscribeQr?: { maker: QrCodeMaker; now?: () => number; sandbox?: boolean };
  /** The mini-program whose code (小程序码, opening `page`) the subscribe page shows; absent: the page describes it in text. */
  subscribeMpCode?: { maker: MpCodeMaker; page: string; now?: () => number; sandbox?: boolean };
  /** NODE_ENV=production: `/sandbox/outbox` needs an admin key. */
  sandboxAdminOnly?: boolean;
  /** `GET /api/v1/channels/check` (admins): the WeChat template mappings against the real template lists. */
  channelsCheck?: Parameters<typeof channelsRoutes>[0];
  /** The channel previews' template mappings and mini-program page, as the channels were wired with. */
  previewTemplates?: PreviewTemplates;
  miniProgramPage?: string;
  /** Console staff sign-in: the failed-sign-in throttle's limits and clock (tests inject one). */
  staffSignIn?: ThrottleOptions;
  /** Staff alert targets' wiring (keys, sandbox, links): enables their test send. */
  staffAlerts?: StaffAlertWiring;
}

/**
 * Koa with the front cache before it: `callback()` (which `listen`, tests and supertest all use)
 * lets the front cache answer what it can and hands Koa the rest.
 */
class GongkaiApp extends Koa {
  front: FrontCache | undefined;
  override callback() {
    const koa = super.callback();
    const front = this.front;
    if (!front) return koa;
    // HTTP/1 only: the front cache writes through Node's http1 response.
    const answer: typeof koa = (req, res) => (req instanceof IncomingMessage && front.serve(req, res as ServerResponse) ? ANSWERED : koa(req, res));
    return answer;
  }
}
const ANSWERED = Promise.resolve();

/** Builds the Koa application without listening, so tests drive `app.callback()` directly. */
export function createApp(deps: AppDeps): GongkaiApp {
  const app = new GongkaiApp();
  // Behind a reverse proxy the client address is the last X-Forwarded-For hop it added;
  // without one, that header is the client's own word and must not be believed.
  app.proxy = deps.trustProxy ?? false;
  app.maxIpsCount = 1;
  // Koa would print every error to stderr; ours are logged once, by the error handler.
  app.silent = true;

  app.use(requestId());
  app.use(securityHeaders());
  app.use(accessLog(deps.logger));
  app.use(errorHandler());
  // Inside the error handler: error responses carry the CORS headers too, so pages can read them.
  if (deps.corsOrigins?.length) app.use(corsForOrigins(deps.corsOrigins));
  const parseBody = bodyParser({ enableTypes: ['json'], jsonLimit: deps.bodyLimit, jsonStrict: true, encoding: 'utf-8' });
  // Reads are most of the traffic and carry no body worth parsing.
  app.use((ctx, next) => (ctx.method === 'GET' || ctx.method === 'HEAD' ? next() : parseBody(ctx, next)));
  app.use(rejectUnsafeKeys());
  if (deps.wechatOaCallback) {
    // XML from WeChat's servers: its own body reading, signatures, no rate limit.
    const oa = wechatOaRoutes({ db: deps.db, logger: deps.logger, ...deps.wechatOaCallback });
    app.use(oa.routes());
    app.use(oa.allowedMethods({ throw: true }));
  }
  if (deps.wechatMpCallback) {
    const mp = wechatMpRoutes({ db: deps.db, logger: deps.logger, ...deps.wechatMpCallback });
    app.use(mp.routes());
    app.use(mp.allowedMethods({ throw: true }));
  }
  // Cookies are Secure when the public base URL is https (behind a TLS proxy ctx.secure may not know).
  const secureCookies = deps.publicBaseUrl?.startsWith('https:') ?? false;
  // Console staff sessions (SESSION_SECRET, the press pages' clock): accepted on agency endpoints and /press.
  const staffSessions = deps.services ? createStaffSessions(deps.db, deps.press?.sessionSecret, deps.press?.now) : undefined;
  if (deps.services) {
    // HTML pages with their own form reading, cookie sessions and error pages.
    app.use(pressPages({ db: deps.db, ...deps.press, staff: staffSessions, secureCookies }));
    // The agency console: the built single-page app under /console, its own strict CSP.
    app.use(consolePages());
  }

  const baseUrl = deps.publicBaseUrl ?? 'http://127.0.0.1:3000';
  const limiter = rateLimit(deps.publicRateLimit ?? 600, { now: deps.rateLimitClock });
  if (deps.services) {
    app.front = frontCache({
      publicCache: deps.services.publicCache,
      logger: deps.logger,
      takeToken: limiter.take,
      trustProxy: app.proxy,
      cors: Boolean(deps.corsOrigins?.length),
    });
    // The public website: HTML pages in Chinese over the read model, with the public rate limit.
    const subscribeQr = deps.subscribeQr && subscribeQrCodes(deps.db, deps.services, deps.logger, deps.subscribeQr);
    const subscribeMpCode = deps.subscribeMpCode && subscribeMpCodes(deps.db, deps.services, deps.logger, deps.subscribeMpCode);
    app.use(sitePages({ services: deps.services, publicBaseUrl: baseUrl, rateLimit: limiter, secureCookies, front: app.front, subscribeQr, subscribeMpCode }));
    app.use(requestPages({ services: deps.services, publicBaseUrl: baseUrl, rateLimit: limiter }));
  }
  const specs: RouteSpec[] = [...healthRoutes({ ...deps, calendar: deps.services?.calendar, readModel: deps.services?.sync })];
  if (deps.services) {
    specs.push(
      ...catalogueRoutes,
      ...publicRoutes(deps.services, app.front),
      ...agencyRoutes(deps.services),
      ...feedRoutes(deps.services, baseUrl, app.front),
      ...disclosureRoutes(deps.services),
      ...reportRoutes(deps.services),
      ...deliveryRoutes(deps.services),
      ...channelAccountRoutes(deps.services),
      ...staffAlertRoutes(deps.services, deps.staffAlerts),
      ...adminRoutes(deps.services),
      ...reactionRoutes(deps.services.disclosures.db, deps.services.disclosures.now),
      ...reviewRoutes(deps.services),
      ...auditRoutes(deps.services),
      ...opinionRoutes(deps.services),
      ...opinionRespondRoutes(deps.services, deps.weiboReplier),
      ...requestRoutes(deps.services),
      ...previewRoutes(deps.services, baseUrl, deps.previewTemplates, deps.miniProgramPage),
      ...publicLinkRoutes(deps.services, { baseUrl, ...(deps.miniProgramPage ? { miniProgramPage: deps.miniProgramPage } : {}) }),
      ...dueDateRoutes(deps.services),
      ...attachmentRoutes(deps.services, baseUrl, staffSessions),
      ...staffRoutes({
        db: deps.db,
        sessions: staffSessions!,
        throttle: createSignInThrottle({ now: deps.rateLimitClock, ...deps.staffSignIn }),
        secureCookies,
        now: deps.press?.now ?? (() => new Date()),
      }),
    );
  }
  if (deps.residents) specs.push(...residentRoutes(deps.residents));
  if (deps.residents && deps.services) specs.push(...residentRequestRoutes(deps.services));
  if (deps.metrics) specs.push(metricsRoute(deps.metrics));
  if (deps.sandboxOutbox) specs.push(sandboxOutboxRoute(deps.sandboxOutbox, deps.sandboxAdminOnly ?? false));
  if (deps.channelsCheck) specs.push(...channelsRoutes(deps.channelsCheck));
  specs.push(
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API as OpenAPI 3.1',
      tag: 'meta',
      responses: { 200: 'the OpenAPI document' },
      handler: (ctx) => {
        ctx.body = document;
      },
    }),
  );
  const document = openApiDocument(specs, baseUrl);

  const router = new Router();
  const keyLimiter = keyRateLimit(deps.agencyRateLimit ?? 600, { now: deps.rateLimitClock });
  const resident = deps.residents ? requireResident(deps.db, deps.residents.sessions) : undefined;
  // Wrong keys count against the client's public budget: a scan of key ids gets no further.
  const authGuard = failedAuthLimit(deps.publicRateLimit ?? 600, { now: deps.rateLimitClock });
  mount(router, deps.db, specs, (spec) => (!spec.auth && spec.tag !== 'health' ? [limiter] : []), resident, keyLimiter, authGuard, staffSessions);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
