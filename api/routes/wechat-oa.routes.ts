import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { aesKeyFrom, callbackSignature, encryptMessage } from '../../core/wechat-callback/crypto.ts';
import { callbackTaskRunner, type CallbackTaskRunner } from '../../core/wechat-callback/deferred.ts';
import { handlePush, type CallbackDeps } from '../../core/wechat-callback/handle-push.ts';
import { pseudonymiser } from '../../core/wechat-callback/store.ts';
import { encryptedReplyXml, field, parsePushXml, requiredField, textReplyXml } from '../../core/wechat-callback/xml.ts';
import { echoVerification, openPush } from './wechat-push-http.ts';

export const WECHAT_OA_CALLBACK_PATH = '/wechat/oa';

// The HTTP side (query, signature, a timestamp within 300 s so a captured push cannot be replayed
// for long, a body of at most 64 KiB) is shared with the mini-program's pushes: wechat-push-http.ts.
// URL verification (GET) is not limited in time: replaying it only returns the caller's own echostr.

export interface WechatOaDeps {
  db: Connection;
  /** The official account's appid (a live OA's, or `wx-sandbox-oa` in sandbox mode). */
  appId: string;
  /** 服务器配置 Token: WECHAT_OA_TOKEN, or a sandbox OA's random per-process one; never a default. */
  token: string;
  /** 服务器配置 EncodingAESKey; without it encrypted (safe-mode) pushes are refused, with it plaintext ones. */
  aesKey?: string;
  logger: Logger;
  now?: () => Date;
  /** Secret for openid pseudonyms; defaults to one derived from appId and token. */
  pseudonymKey?: string;
  /** Is handed the route's task runner (what pushes leave for after their reply): tests and benches wait on it. */
  onTaskRunner?: (runner: CallbackTaskRunner) => void;
  /** How many pushes are handled before their reply at once (INLINE_PUSHES); the rest are acknowledged. */
  inlinePushes?: number;
}

/**
 * Pushes handled before their reply at once. Each is about ten `_id` reads and writes, and
 * FerretDB's one SQLite writer takes them in turn: beyond this, a push waits longer for its turn
 * than for its work, so it is acknowledged and handled by the task runner instead.
 */
export const INLINE_PUSHES = 8;

/** The most the task runner defers to pushes being answered, so a steady stream cannot starve it. */
const QUIET_WAIT_MS = 2_000;
const QUIET_POLL_MS = 20;

/** A counter of turns: a function ending the turn, or undefined when all are taken. */
function admission(limit: number): () => (() => void) | undefined {
  let taken = 0;
  return () => {
    if (taken >= limit) return undefined;
    taken++;
    let ended = false;
    return () => {
      if (!ended) taken--;
      ended = true;
    };
  };
}

/**
 * The official account's server callback (服务器配置, wechat.md §3): URL verification and
 * pushes, in plaintext or safe mode. The body is XML read here, not by the app's JSON parser.
 */
export function wechatOaRoutes(deps: WechatOaDeps): Router {
  const now = deps.now ?? (() => new Date());
  // An invalid EncodingAESKey fails here, at start-up, not on the first push.
  const aesKey = deps.aesKey ? aesKeyFrom(deps.aesKey) : undefined;
  const logger = deps.logger.child({ module: 'wechat-oa-callback' });
  const pseudonym = pseudonymiser(deps.pseudonymKey ?? `gongkai:openid:${deps.appId}:${deps.token}`);
  const { token, appId } = deps;
  // Pushes between arrival and reply: the task runner waits for none (or QUIET_WAIT_MS).
  let answering = 0;
  const quiet = async () => {
    for (const started = Date.now(); answering > 0 && Date.now() - started < QUIET_WAIT_MS; ) await sleep(QUIET_POLL_MS);
  };
  const tasks = callbackTaskRunner({ db: deps.db, now, logger, pseudonym, quiet });
  deps.onTaskRunner?.(tasks);
  const admit = admission(deps.inlinePushes ?? INLINE_PUSHES);

  const router = new Router();

  router.get(WECHAT_OA_CALLBACK_PATH, echoVerification(token));

  router.post(WECHAT_OA_CALLBACK_PATH, async (ctx) => {
    answering++;
    try {
      await answerPush(ctx);
    } finally {
      answering--;
    }
  });

  async function answerPush(ctx: Context): Promise<void> {
    const { push, safe } = await openPush(ctx, { token, appId, aesKey, now, account: 'official account', aesVariable: 'WECHAT_OA_AES_KEY', parse: parsePushXml });

    const log = (ctx.state.log as Logger | undefined)?.child({ module: 'wechat-oa-callback' }) ?? logger;
    const callback: CallbackDeps = { db: deps.db, appId, now, pseudonym, logger: log, defer: (task) => tasks.defer(task), runStored: (task) => tasks.runStored(task), admit };
    const reply = await handlePush(callback, push);
    if (reply === undefined) {
      ctx.type = 'text/plain';
      ctx.body = 'success';
      return;
    }
    // Reply from the account the push was sent to (its gh_ id), to the sender.
    const xml = textReplyXml(requiredField(push, 'FromUserName'), field(push, 'ToUserName') ?? '', reply, now());
    ctx.type = 'application/xml';
    if (!aesKey || !safe) {
      ctx.body = xml;
      return;
    }
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const nonce = String(randomInt(100_000_000, 2_000_000_000));
    const encrypted = encryptMessage(aesKey, appId, xml);
    ctx.body = encryptedReplyXml(encrypted, callbackSignature(token, timestamp, nonce, encrypted), timestamp, nonce);
  }

  return router;
}
