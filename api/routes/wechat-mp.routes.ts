import Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { AppError, ValidationError } from '../../core/errors.ts';
import { aesKeyFrom, decryptMessage } from '../../core/wechat-callback/crypto.ts';
import { handleMpPush } from '../../core/wechat-callback/mp-events.ts';
import { pseudonymiser } from '../../core/wechat-callback/store.ts';
import { parsePushXml, requiredField, type PushFields } from '../../core/wechat-callback/xml.ts';
import { checkPushFresh, pushQuery, readPushBody, verifyPushSignature } from './wechat-push-http.ts';

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

  router.get(WECHAT_MP_CALLBACK_PATH, (ctx) => {
    const q = pushQuery(ctx);
    verifyPushSignature(q.signature, [token, q.timestamp, q.nonce]);
    if (q.echostr === undefined) throw new ValidationError('missing echostr', [{ path: 'echostr', message: 'required' }]);
    ctx.type = 'text/plain';
    ctx.body = q.echostr;
  });

  router.post(WECHAT_MP_CALLBACK_PATH, async (ctx) => {
    const q = pushQuery(ctx);
    const body = await readPushBody(ctx);
    const safe = q.encrypt_type === 'aes';
    if (q.encrypt_type !== undefined && q.encrypt_type !== 'raw' && !safe) {
      throw new ValidationError('encrypt_type must be aes or raw', [{ path: 'encrypt_type', message: 'must be aes or raw' }]);
    }
    checkPushFresh(q.timestamp, now());
    if (aesKey && !safe) {
      throw new AppError(400, 'plaintext_refused', 'plaintext push refused: this mini-program is in safe mode (WECHAT_MP_AES_KEY), pushes must be encrypted');
    }
    if (!safe) verifyPushSignature(q.signature, [token, q.timestamp, q.nonce]);
    const json = body.trimStart().startsWith('{');
    const parse = (text: string) => (text.trimStart().startsWith('{') ? parsePushJson(text) : parsePushXml(text));
    let push = json ? parsePushJson(body) : parsePushXml(body);
    if (safe) {
      const encrypted = requiredField(push, 'Encrypt');
      verifyPushSignature(q.msg_signature, [token, q.timestamp, q.nonce, encrypted]);
      if (!aesKey) throw new AppError(400, 'safe_mode_not_configured', 'encrypted push, but no EncodingAESKey is configured (WECHAT_MP_AES_KEY)');
      push = parse(decryptMessage(aesKey, appId, encrypted));
    }
    await handleMpPush({ db: deps.db, appId, now, pseudonym, logger }, push);
    ctx.type = 'text/plain';
    ctx.body = 'success';
  });

  return router;
}
