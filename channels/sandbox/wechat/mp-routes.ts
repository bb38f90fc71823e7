import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import QRCode from 'qrcode';
import type { SandboxOutbox } from '../outbox.ts';
import { checkTemplateData } from './keyword-rules.ts';
import { WechatSandboxError, jsonBody, queryString, reply } from './reply.ts';
import type { SandboxState } from './state.ts';
import { credentials } from './token-routes.ts';

export const SUBSCRIBE_PATH = '/cgi-bin/message/subscribe/send';
export const WXACODE_PATH = '/wxa/getwxacodeunlimit';
/** The published pages of a mini-program whose own list was not set (setPublishedPages): miniprogram/app.json's. */
export const DEFAULT_MP_PAGES: readonly string[] = ['pages/index/index', 'pages/subscribe/subscribe', 'pages/mine/mine', 'pages/detail/detail', 'pages/search/search', 'pages/request/request'];
/** 最多32个可见字符，只支持数字、大小写英文以及部分特殊字符 !#$&'()*+,/:;=?@-._~ (the reference). */
const SCENE_CHARS = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/;
const ENV_VERSIONS = new Set(['release', 'trial', 'develop']);

/**
 * 43108: WeChat refuses a subscribe message for an openid while another for the same openid is
 * still being processed (wechat.md §4.2), whichever process sent it. Mounted before the faults,
 * so that an injected latency keeps the first send in flight and a second one deterministically
 * meets it.
 */
export function oneSendPerOpenid(state: SandboxState) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || ctx.path !== SUBSCRIBE_PATH) return next();
    const touser = ((ctx.request as { body?: unknown }).body as { touser?: unknown } | undefined)?.touser;
    let appid: string;
    try {
      appid = state.tokens.check(queryString(ctx, 'access_token'));
    } catch {
      return next(); // the route answers the token's error
    }
    if (typeof touser !== 'string') return next();
    const key = `${appid}\t${touser}`;
    if (state.inFlight.has(key)) throw new WechatSandboxError(43108, 'concurrent requests for the same user are not allowed');
    state.inFlight.add(key);
    try {
      await next();
    } finally {
      state.inFlight.delete(key);
    }
  };
}

/** Mini Program: login (code2Session, §4.1) and subscribe messages with consent credits (§4.2, §4.4). */
export function mpRoutes(router: Router, state: SandboxState, outbox: SandboxOutbox): void {
  router.get('/sns/jscode2session', (ctx) => {
    const app = credentials(state, queryString(ctx, 'appid'), queryString(ctx, 'secret'), 40125);
    if (app.app.kind !== 'mp') throw new WechatSandboxError(40013, 'invalid appid');
    if (queryString(ctx, 'grant_type') !== 'authorization_code') throw new WechatSandboxError(40002, 'invalid grant_type');
    const jsCode = queryString(ctx, 'js_code');
    if (!jsCode) throw new WechatSandboxError(41008, 'missing code');
    const code = state.codes.get(jsCode);
    // Codes are single-use (a second use is 40163 "code been used") and expire after about 5 minutes (40029).
    const usedUntil = state.usedCodes.get(jsCode);
    if (!code && usedUntil !== undefined && state.now() < usedUntil) throw new WechatSandboxError(40163, 'code been used');
    state.codes.delete(jsCode);
    if (!code || code.appid !== app.app.appid || state.now() >= code.expiresAt) throw new WechatSandboxError(40029, 'invalid code');
    state.usedCodes.set(jsCode, code.expiresAt);
    const user = state.user(app, code.openid);
    if (code.unionid) user.unionid = code.unionid;
    reply(ctx, {
      openid: code.openid,
      session_key: randomBytes(16).toString('base64'),
      ...(code.unionid ? { unionid: code.unionid } : {}),
    });
  });

  router.post(SUBSCRIBE_PATH, (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'mp');
    const body = jsonBody(ctx);
    if (typeof body.touser !== 'string' || !app.users.has(body.touser)) throw new WechatSandboxError(40003, 'invalid openid');
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !app.templates.has(templateId)) throw new WechatSandboxError(40037, 'invalid template_id');
    checkTemplateData(body.data, app.templates.get(templateId));
    if (body.page !== undefined && typeof body.page !== 'string') throw new WechatSandboxError(41030, 'invalid page');
    const credit = app.consents.get(`${body.touser}\t${templateId}`);
    if (!credit || (!credit.longTerm && credit.oneTime <= 0)) throw new WechatSandboxError(43101, 'user refuse to accept the msg');
    state.checkQuota(app, SUBSCRIBE_PATH);
    // A one-time accept allows exactly one send; a long-term grant is never used up.
    if (!credit.longTerm) credit.oneTime -= 1;
    const msgid = state.id();
    state.count(app, SUBSCRIBE_PATH);
    outbox.record({ channel: 'wechat-mp', path: SUBSCRIBE_PATH, body, externalId: String(msgid) });
    reply(ctx, { errcode: 0, errmsg: 'ok', msgid });
  });

  /**
   * 获取不限制的小程序码 (getUnlimitedQRCode). Checks as the reference and community reports
   * describe them: `scene` 1–32 characters (else 40169 "invalid length for scene, or the data is
   * not json string", reported) of the allowed set (else 40129 "invalid scene", reported);
   * `page` a published page without a leading `/` while `check_path` is not false (else 41030
   * "invalid page", reported); `env_version` release|trial|develop (else 40097, **unconfirmed**);
   * `width` 280–1280 (else 40097, **unconfirmed**; WeChat may clamp instead). The answer is a PNG
   * of a QR code of `page?scene=` (WeChat's is a round 小程序码, jpeg by default).
   */
  router.post(WXACODE_PATH, async (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'mp');
    const body = jsonBody(ctx);
    const scene = body.scene;
    if (typeof scene !== 'string' || scene.length < 1 || scene.length > 32) throw new WechatSandboxError(40169, 'invalid length for scene, or the data is not json string');
    if (!SCENE_CHARS.test(scene)) throw new WechatSandboxError(40129, 'invalid scene');
    const page = body.page ?? 'pages/index/index';
    const pages = app.publishedPages ?? DEFAULT_MP_PAGES;
    if (typeof page !== 'string' || (body.check_path !== false && !pages.includes(page))) throw new WechatSandboxError(41030, 'invalid page');
    if (body.env_version !== undefined && !ENV_VERSIONS.has(String(body.env_version))) throw new WechatSandboxError(40097, 'invalid args');
    const width = body.width ?? 430;
    if (typeof width !== 'number' || !Number.isInteger(width) || width < 280 || width > 1280) throw new WechatSandboxError(40097, 'invalid args');
    state.checkQuota(app, WXACODE_PATH);
    const png = await QRCode.toBuffer(`${page}?scene=${scene}`, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width });
    state.count(app, WXACODE_PATH);
    outbox.record({ channel: 'wechat-mp', path: WXACODE_PATH, body, externalId: scene });
    ctx.status = 200;
    ctx.set('Content-Type', 'image/png');
    ctx.body = png;
  });
}
