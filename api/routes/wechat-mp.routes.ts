import Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { ValidationError } from '../../core/errors.ts';
import { aesKeyFrom } from '../../core/wechat-callback/crypto.ts';
import { handleMpPush } from '../../core/wechat-callback/mp-events.ts';
import { pseudonymiser } from '../../core/wechat-callback/store.ts';
import { parsePushXml, type PushFields } from '../../core/wechat-callback/xml.ts';
import { echoVerification, openPush } from './wechat-push-http.ts';

export const WECHAT_MP_CALLBACK_PATH = '/wechat/mp';

export interface WechatMpDeps {
  db: Connection;
  /** The mini-program's appid (a live one's, or `wx-sandbox-mp` in sandbox mode). */
  appId: string;
  /** 消息推送 Token: WECHAT_MP_TOKEN, or a sandbox mini-program's random per-process one; never a default. */
  token: string;
  /** 消息推送 EncodingAESKey; with it plaintext pushes are refused. */
  aesKey?: string;
  logger: Logger;
  now?: () => Date;
  pseudonymKey?: string;
}

/** A JSON push's fields as the XML parser would give them: top-level numbers as strings (ids stay exact as written). */
function parsePushJson(body: string): PushFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationError('body must be a JSON object');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
}

/**
 * The mini-program's message push (消息推送, wechat.md §3, §4.6): URL verification and pushes,
 * XML or JSON (数据格式), plaintext or safe mode, verified exactly as the official account's
 * callback (api/routes/wechat-oa.routes.ts). Answers `success`: nothing here replies to users.
 */
export function wechatMpRoutes(deps: WechatMpDeps): Router {
  const now = deps.now ?? (() => new Date());
  const aesKey = deps.aesKey ? aesKeyFrom(deps.aesKey) : undefined;
  const logger = deps.logger.child({ module: 'wechat-mp-callback' });
  const pseudonym = pseudonymiser(deps.pseudonymKey ?? `gongkai:openid:${deps.appId}:${deps.token}`);
  const { token, appId } = deps;
  const router = new Router();

  router.get(WECHAT_MP_CALLBACK_PATH, echoVerification(token));

  router.post(WECHAT_MP_CALLBACK_PATH, async (ctx) => {
    // 数据格式 is the developer's choice of XML or JSON, and a safe-mode envelope may hold either.
    const parse = (text: string) => (text.trimStart().startsWith('{') ? parsePushJson(text) : parsePushXml(text));
    const { push } = await openPush(ctx, { token, appId, aesKey, now, account: 'mini-program', aesVariable: 'WECHAT_MP_AES_KEY', parse });
    await handleMpPush({ db: deps.db, appId, now, pseudonym, logger }, push);
    ctx.type = 'text/plain';
    ctx.body = 'success';
  });

  return router;
}
