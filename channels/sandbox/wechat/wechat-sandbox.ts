import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { SandboxOutbox } from '../outbox.ts';
import { adminRoutes } from './admin-routes.ts';
import { Faults } from './faults.ts';
import { mpRoutes, oneSendPerOpenid } from './mp-routes.ts';
import { qrcodeRoutes, scanQrCode } from './qrcode-routes.ts';
import { oaRoutes, spendMassBudget } from './oa-routes.ts';
import { eventFields, pushToCallback } from './pushes.ts';
import { WechatSandboxError, replyError } from './reply.ts';
import type { Persisted } from '../persist.ts';
import {
  DEFAULT_APPS,
  type MassJob,
  type PushRecord,
  type SandboxApp,
  type SandboxCallback,
  SandboxState,
  type SandboxStateSnapshot,
  type TemplateKind,
  type TemplateOutcome,
} from './state.ts';
import { tagRoutes } from './tag-routes.ts';
import { templateRoutes } from './template-routes.ts';
import { tokenRoutes } from './token-routes.ts';

export type { SandboxApp, MassJob, SandboxCallback, PushRecord, TemplateKind, TemplateOutcome } from './state.ts';
export type { ScanResult } from './qrcode-routes.ts';
export type { Fault } from './faults.ts';

export interface WechatSandboxOptions {
  /** Apps registered besides the defaults (OA `wx-sandbox-oa`/`sandbox-oa-secret`, MP `wx-sandbox-mp`/`sandbox-mp-secret`). */
  apps?: SandboxApp[];
  /** Lifetime of issued access tokens; default 7200 s. */
  tokenTtlSeconds?: number;
  /** Lifetime of login codes from `issueCode`; default 300 s. */
  codeTtlSeconds?: number;
  /** Clock (epoch ms) for tokens, codes, dedupe windows and daily quotas; default Date.now. */
  now?: () => number;
}

export interface ConsentView {
  openid: string;
  templateId: string;
  /** One-time credits left (each accept adds one, each send uses one). */
  oneTime: number;
  longTerm: boolean;
}

export type WechatSandboxControl = ReturnType<typeof createControl>;

function createControl(state: SandboxState, faults: Faults, options: WechatSandboxOptions) {
  const registerDefaults = () => {
    for (const app of [...DEFAULT_APPS, ...(options.apps ?? [])]) state.register(app);
  };
  registerDefaults();
  const codeTtlMs = (options.codeTtlSeconds ?? 300) * 1000;
  return {
    registerApp(app: SandboxApp): void {
      state.register(app);
    },
    /** An OA follower; `tags` are tag ids or names (unknown names are created). */
    addFollower(appid: string, openid: string, opts: { tags?: (string | number)[]; unionid?: string } = {}): void {
      const app = state.app(appid);
      const user = state.user(app, openid);
      user.following = true;
      if (opts.unionid) user.unionid = opts.unionid;
      for (const tag of opts.tags ?? []) user.tags.add(state.tagId(app, tag));
    },
    /** The follower unfollowed: sends to it answer 43004. */
    unfollow(appid: string, openid: string): void {
      state.user(state.app(appid), openid).following = false;
    },
    /** A Mini Program user (as if it had logged in). */
    addSubscriber(appid: string, openid: string, opts: { unionid?: string } = {}): void {
      const user = state.user(state.app(appid), openid);
      if (opts.unionid) user.unionid = opts.unionid;
    },
    /**
     * The user accepted `templateId`: `count` one-time credits, or a long-term grant. WeChat grants
     * long-term only for a template of the long-term library (registerTemplate with `long-term`):
     * for any other it is refused, as the platform never offers it (wechat.md §4.4).
     */
    grantConsent(appid: string, openid: string, templateId: string, kind: 'one-time' | 'long-term', count = 1): void {
      const app = state.app(appid);
      if (kind === 'long-term' && app.templateKinds.get(templateId) !== 'long-term') {
        throw new Error(`wechat sandbox: template ${templateId} is not a long-term (长期) template: a long-term grant is refused`);
      }
      state.user(app, openid);
      const key = `${openid}\t${templateId}`;
      const credit = app.consents.get(key) ?? { oneTime: 0, longTerm: false };
      if (kind === 'long-term') credit.longTerm = true;
      else credit.oneTime += count;
      state.remember(app.consents, key, credit);
    },
    consents(appid: string, openid?: string, templateId?: string): ConsentView[] {
      return [...state.app(appid).consents]
        .map(([key, credit]) => {
          const [user = '', template = ''] = key.split('\t');
          return { openid: user, templateId: template, ...credit };
        })
        .filter((c) => (!openid || c.openid === openid) && (!templateId || c.templateId === templateId));
    },
    /**
     * A template of the app with its keys (a send must fill each; undefined: any), listed by the
     * template-list endpoints; a mini-program's is one-time unless `kind` says long-term.
     */
    registerTemplate(appid: string, templateId: string, keys?: readonly string[], title?: string, kind: TemplateKind = 'one-time'): void {
      const app = state.app(appid);
      app.templates.set(templateId, keys ? [...keys] : undefined);
      if (title) app.templateTitles.set(templateId, title);
      app.templateKinds.set(templateId, kind);
    },
    /**
     * The user switches the template off in 服务通知 (subscription settings): sends answer 43101
     * from now on, and the mini-program's callback gets `subscribe_msg_change_event` with
     * `reject`. Resolves with the push made (undefined without a callback).
     */
    async switchOffConsent(appid: string, openid: string, templateId: string): Promise<PushRecord | undefined> {
      const app = state.app(appid);
      state.user(app, openid);
      state.remember(app.consents, `${openid}\t${templateId}`, { oneTime: 0, longTerm: false });
      return pushToCallback(state, app, {
        ...eventFields(state, app, openid, 'subscribe_msg_change_event'),
        SubscribeMsgChangeEvent: { List: { TemplateId: templateId, SubscribeStatusString: 'reject' } },
      });
    },
    /** What TEMPLATESENDJOBFINISH says of this follower's template messages from now on. */
    setTemplateOutcome(appid: string, openid: string, outcome: TemplateOutcome): void {
      const app = state.app(appid);
      if (outcome === 'success') app.templateOutcomes.delete(openid);
      else state.remember(app.templateOutcomes, openid, outcome);
    },
    /** Whether a template send with client_msg_id reports `MsgID` 0 in its TEMPLATESENDJOBFINISH. */
    setZeroMsgIdWithClientMsgId(appid: string, on: boolean): void {
      state.app(appid).zeroMsgIdWithClientMsgId = on;
    },
    /**
     * A broadcast staff made in the 公众号 web console (to a tag, or to all): it spends the same
     * 4-a-month budget of every follower it reaches as an API mass send, which the API cannot see.
     */
    consoleMassSend(appid: string, target: { tag?: string | number; toAll?: boolean }): { totalCount: number; filterCount: number } {
      const app = state.app(appid);
      const toAll = target.toAll === true;
      const tagId = toAll ? -1 : state.tagId(app, target.tag ?? '');
      const { addressed, reached } = spendMassBudget(state, app, toAll, tagId, state.now());
      state.recordJob(app, {
        msgId: String(state.id()),
        filter: toAll ? { is_to_all: true } : { is_to_all: false, tag_id: tagId },
        msgtype: 'console',
        totalCount: addressed,
        filterCount: reached,
        at: new Date(state.now()).toISOString(),
      });
      return { totalCount: addressed, filterCount: reached };
    },
    /** Pushes made to the apps' callbacks (job-finish and subscription events), oldest first. */
    pushes(appid?: string, event?: string): PushRecord[] {
      return state.pushLog.filter((p) => (!appid || p.appid === appid) && (!event || p.event === event));
    },
    /** Resolves when every push made so far has been answered. */
    async settlePushes(): Promise<void> {
      while (state.pendingPushes.size) await Promise.allSettled([...state.pendingPushes]);
    },
    /** A login code for code2Session: single use, valid `codeTtlSeconds`. */
    issueCode(appid: string, code: string, openid: string, unionid?: string): void {
      state.app(appid);
      state.codes.set(code, { appid, openid, ...(unionid ? { unionid } : {}), expiresAt: state.now() + codeTtlMs });
      if (state.codes.size > 10_000) state.codes.delete(state.codes.keys().next().value as string);
    },
    createTag(appid: string, name: string): number {
      return state.tagId(state.app(appid), name);
    },
    /** Daily quota of an endpoint path (e.g. `/cgi-bin/message/template/send`) for one app. */
    setQuota(appid: string, endpoint: string, perDay: number): void {
      state.app(appid).quotas.set(endpoint, perDay);
    },
    /** Calls accepted today (China day) on an endpoint path. */
    usage(appid: string, endpoint: string): number {
      return state.usage(state.app(appid), endpoint);
    },
    faults,
    /** Calls naming the app on `/cgi-bin/token` and `/cgi-bin/stable_token`. */
    tokenFetches(appid: string): { token: number; stableToken: number } {
      return { ...state.app(appid).fetches };
    },
    /** Every token of the app expires now: the next call with one answers 42001. */
    expireTokens(appid: string): void {
      state.tokens.expire(appid);
    },
    /** Every token of the app is revoked now: the next call with one answers 40001. */
    revokeTokens(appid: string): void {
      state.tokens.revoke(appid);
    },
    massJobs(appid: string): MassJob[] {
      return [...state.app(appid).massJobs];
    },
    /** The app's IP whitelist; `undefined` switches it off. Token fetches from elsewhere get 40164. */
    setIpWhitelist(appid: string, ips: readonly string[] | undefined): void {
      const app = state.app(appid);
      if (ips) app.ipWhitelist = [...ips];
      else delete app.ipWhitelist;
    },
    /** The OA's 服务器配置: where scans are pushed, signed with `token` (and encrypted with `aesKey`). */
    setCallback(appid: string, callback: SandboxCallback): void {
      state.app(appid).callback = { ...callback };
    },
    /** A mini-program's published pages (getwxacodeunlimit answers 41030 for any other); undefined: miniprogram/app.json's. */
    setPublishedPages(appid: string, pages: readonly string[] | undefined): void {
      const app = state.app(appid);
      if (pages) app.publishedPages = [...pages];
      else delete app.publishedPages;
    },
    /** The QR codes made so far (qrcode/create), oldest first. */
    qrCodes(appid: string): { ticket: string; scene: string; permanent: boolean; url: string; expiresAt?: number }[] {
      return [...state.app(appid).qrTickets].map(([ticket, code]) => ({ ticket, ...code }));
    },
    /** A user scans a code: `subscribe` (new follower) or `SCAN` pushed, signed, to the callback. */
    scan(appid: string, ticket: string, openid: string) {
      return scanQrCode(state, appid, ticket, openid);
    },
    /** Back to the start: apps from the options only, no users, tokens, codes, faults or counters. */
    reset(): void {
      state.apps.clear();
      state.codes.clear();
      state.usedCodes.clear();
      state.tokens.clear();
      state.inFlight.clear();
      state.pushLog.length = 0;
      faults.clear();
      registerDefaults();
    },
  };
}

/**
 * A local stand-in for api.weixin.qq.com (paths, checks, error codes, quotas and token behaviour
 * as in /work/shared/reference/wechat.md), kept in memory. Every accepted send is recorded in the
 * outbox without its access token. Mount `router` after a JSON body parser.
 */
export function createWechatSandbox(outbox: SandboxOutbox, options: WechatSandboxOptions = {}) {
  const state = new SandboxState(options.now ?? Date.now, options.tokenTtlSeconds ?? 7200);
  const faults = new Faults();
  const control = createControl(state, faults, options);
  const router = new Router();
  router.use(async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof WechatSandboxError)) throw error;
      replyError(ctx, error.errcode, error.errmsg, error.extra);
    }
  });
  router.use(oneSendPerOpenid(state));
  router.use(faults.middleware());
  tokenRoutes(router, state);
  oaRoutes(router, state, outbox);
  qrcodeRoutes(router, state, outbox);
  tagRoutes(router, state);
  mpRoutes(router, state, outbox);
  templateRoutes(router, state);
  adminRoutes(router, control);
  return { router, control, persisted: state as Persisted<SandboxStateSnapshot> };
}
