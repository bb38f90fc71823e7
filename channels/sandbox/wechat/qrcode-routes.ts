import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import { pushXml, signPush } from '../../../core/wechat-callback/push-builder.ts';
import type { SandboxOutbox } from '../outbox.ts';
import { WechatSandboxError, jsonBody, queryString, reply } from './reply.ts';
import type { AppState, SandboxState } from './state.ts';

export const QRCODE_PATH = '/cgi-bin/qrcode/create';
const ACTIONS = new Set(['QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE']);
/** Permanent codes per account (developers.weixin.qq.com doc/service/api/qrcode/qrcodes/api_createqrcode). */
export const MAX_PERMANENT_CODES = 100_000;
const MAX_EXPIRE_SECONDS = 2_592_000;
const DEFAULT_EXPIRE_SECONDS = 60;
const MAX_TEMPORARY_KEPT = 50_000;

/** WeChat's answer to a bad scene (community reports of scene_str over 64, or scene_id for a _STR_ action). */
const badScene = () => new WechatSandboxError(40053, 'invalid action info, please check document');

/**
 * 生成带参数的二维码 (`POST /cgi-bin/qrcode/create`), as the reference and community reports
 * describe it: `action_name` one of the four kinds (else 40097 invalid args, **unconfirmed**),
 * `action_info.scene.scene_str` 1–64 characters or `scene_id` (1–100000 permanent, 32-bit
 * temporary), else 40053; temporary codes live `expire_seconds` (default 60, at most 2592000;
 * more is cut to that, **unconfirmed**); the 100,001st permanent scene is 45029 "qrcode count out
 * of limit"; the same permanent scene again is answered with the same code (**unconfirmed**).
 */
export function qrcodeRoutes(router: Router, state: SandboxState, outbox: SandboxOutbox): void {
  router.post(QRCODE_PATH, (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const body = jsonBody(ctx);
    const action = body.action_name;
    if (typeof action !== 'string' || !ACTIONS.has(action)) throw new WechatSandboxError(40097, 'invalid args');
    const permanent = action.startsWith('QR_LIMIT_');
    const scene = sceneOf(body.action_info, action.endsWith('_STR_SCENE'), permanent);
    let expireSeconds: number | undefined;
    if (!permanent) {
      const asked = body.expire_seconds ?? DEFAULT_EXPIRE_SECONDS;
      if (typeof asked !== 'number' || !Number.isInteger(asked) || asked <= 0) throw new WechatSandboxError(40097, 'invalid args');
      expireSeconds = Math.min(asked, MAX_EXPIRE_SECONDS);
    }
    state.checkQuota(app, QRCODE_PATH);
    const existing = permanent ? app.permanentScenes.get(scene) : undefined;
    if (permanent && !existing && app.permanentScenes.size >= MAX_PERMANENT_CODES) throw new WechatSandboxError(45029, 'qrcode count out of limit');
    const ticket = existing ?? newTicket(app, scene, permanent, expireSeconds, state.now());
    state.count(app, QRCODE_PATH);
    const code = app.qrTickets.get(ticket)!;
    outbox.record({ channel: 'wechat-oa', path: QRCODE_PATH, body, externalId: ticket });
    reply(ctx, { ticket, ...(expireSeconds !== undefined ? { expire_seconds: expireSeconds } : {}), url: code.url });
  });
}

function sceneOf(info: unknown, string: boolean, permanent: boolean): string {
  const scene = (info as { scene?: { scene_str?: unknown; scene_id?: unknown } } | undefined)?.scene;
  if (typeof scene !== 'object' || scene === null) throw badScene();
  if (string) {
    const value = scene.scene_str;
    if (typeof value !== 'string' || value.length < 1 || value.length > 64) throw badScene();
    return value;
  }
  const id = scene.scene_id;
  const max = permanent ? 100_000 : 2 ** 32 - 1;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > max) throw badScene();
  return String(id);
}

function newTicket(app: AppState, scene: string, permanent: boolean, expireSeconds: number | undefined, now: number): string {
  const ticket = `gQ${randomBytes(48).toString('base64')}`;
  const url = `http://weixin.qq.com/q/02${randomBytes(15).toString('base64url')}`;
  const expiresAt = expireSeconds === undefined ? undefined : now + expireSeconds * 1000;
  app.qrTickets.set(ticket, { scene, permanent, url, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  if (permanent) {
    app.permanentScenes.set(scene, ticket);
  } else if (app.qrTickets.size > MAX_PERMANENT_CODES + MAX_TEMPORARY_KEPT) {
    // Forget the oldest temporary code; permanent ones are kept (they are capped at 100,000).
    for (const [old, code] of app.qrTickets) {
      if (!code.permanent) {
        app.qrTickets.delete(old);
        break;
      }
    }
  }
  return ticket;
}

export interface ScanResult {
  /** `subscribe` for a new follower (EventKey `qrscene_<scene>`), `SCAN` for one already following. */
  event: 'subscribe' | 'SCAN';
  eventKey: string;
  /** The callback's answer. */
  status: number;
  body: string;
}

/**
 * A WeChat user scans a code of the app: a new follower starts following and the callback gets
 * a signed `subscribe` event with `EventKey=qrscene_<scene>` and the `Ticket`; a follower gets
 * `SCAN` with `EventKey=<scene>` (wechat.md §3.2). Safe mode when the callback has an aesKey.
 */
export async function scanQrCode(state: SandboxState, appid: string, ticket: string, openid: string): Promise<ScanResult> {
  const app = state.app(appid);
  const code = app.qrTickets.get(ticket);
  if (!code) throw new Error(`wechat sandbox: unknown ticket`);
  if (code.expiresAt !== undefined && state.now() >= code.expiresAt) throw new Error('wechat sandbox: the code has expired; WeChat pushes nothing');
  const callback = app.callback;
  if (!callback) throw new Error(`wechat sandbox: no callback set for ${appid} (setCallback)`);
  const following = app.users.get(openid)?.following === true;
  const event = following ? 'SCAN' : 'subscribe';
  const eventKey = following ? code.scene : `qrscene_${code.scene}`;
  state.user(app, openid).following = true;
  const now = new Date(state.now());
  const xml = pushXml({
    ToUserName: callback.ghId ?? 'gh_sandbox',
    FromUserName: openid,
    CreateTime: Math.floor(now.getTime() / 1000),
    MsgType: 'event',
    Event: event,
    EventKey: eventKey,
    Ticket: ticket,
  });
  const signed = signPush({ token: callback.token, appId: appid, ...(callback.aesKey ? { aesKey: callback.aesKey } : {}) }, xml, { now, safe: Boolean(callback.aesKey) });
  const url = `${callback.url}${callback.url.includes('?') ? '&' : '?'}${new URLSearchParams(signed.query).toString()}`;
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: signed.body });
  return { event, eventKey, status: res.status, body: await res.text() };
}
