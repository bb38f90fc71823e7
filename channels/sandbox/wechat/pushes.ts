import { randomInt } from 'node:crypto';
import { aesKeyFrom, callbackSignature, encryptMessage } from '../../../core/wechat-callback/crypto.ts';
import { cdata } from '../../../core/wechat-callback/xml.ts';
import type { AppState, PushRecord, SandboxState } from './state.ts';

/** A push field: text (CDATA in XML), a number or 64-bit id (bare), or nested elements such as `List`. */
export type PushValue = string | number | bigint | PushObject | PushObject[];
export interface PushObject {
  [name: string]: PushValue;
}

const MAX_LOG = 1_000;

function xmlOf(fields: PushObject): string {
  return Object.entries(fields)
    .map(([name, value]) => {
      // A repeated element (several List entries) is written once per entry, as WeChat does.
      if (Array.isArray(value)) return value.map((entry) => `<${name}>${xmlOf(entry)}</${name}>`).join('');
      if (typeof value === 'object') return `<${name}>${xmlOf(value)}</${name}>`;
      return `<${name}>${typeof value === 'string' ? cdata(value) : String(value)}</${name}>`;
    })
    .join('');
}

/** JSON with 64-bit ids as bare numbers; a single List entry stays an object (wechat.md §4.6). */
function jsonOf(fields: PushObject): string {
  return JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? `@@int64:${value}@@` : value)).replace(/"@@int64:(-?\d+)@@"/g, '$1');
}

/**
 * Posts one event to the app's callback (服务器配置 / 消息推送) the way WeChat does: XML or JSON,
 * signed with the callback's token, encrypted (安全模式) when it has an EncodingAESKey. Never
 * throws: an unreachable callback is recorded with status 0, as WeChat would only log it.
 */
export async function pushToCallback(state: SandboxState, app: AppState, fields: PushObject): Promise<PushRecord | undefined> {
  const callback = app.callback;
  if (!callback) return undefined;
  const json = callback.format === 'json';
  const message = json ? jsonOf(fields) : `<xml>${xmlOf(fields)}</xml>`;
  const timestamp = String(Math.floor(state.now() / 1000));
  const nonce = String(randomInt(100_000_000, 2_000_000_000));
  const query: Record<string, string> = { signature: callbackSignature(callback.token, timestamp, nonce), timestamp, nonce, openid: String(fields.FromUserName ?? '') };
  let body = message;
  if (callback.aesKey) {
    const encrypted = encryptMessage(aesKeyFrom(callback.aesKey), app.app.appid, message);
    query.encrypt_type = 'aes';
    query.msg_signature = callbackSignature(callback.token, timestamp, nonce, encrypted);
    const to = String(fields.ToUserName ?? 'gh_sandbox');
    body = json ? JSON.stringify({ ToUserName: to, Encrypt: encrypted }) : `<xml><ToUserName>${cdata(to)}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt></xml>`;
  }
  const url = `${callback.url}${callback.url.includes('?') ? '&' : '?'}${new URLSearchParams(query).toString()}`;
  const record: PushRecord = { appid: app.app.appid, event: String(fields.Event ?? fields.MsgType ?? ''), openid: String(fields.FromUserName ?? ''), fields, status: 0, body: '', at: new Date(state.now()).toISOString() };
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': json ? 'application/json' : 'text/xml' }, body, signal: AbortSignal.timeout(5_000) });
    record.status = res.status;
    record.body = (await res.text()).slice(0, 2_000);
  } catch (error) {
    record.body = String((error as Error).message ?? error).slice(0, 300);
  }
  state.pushLog.push(record);
  if (state.pushLog.length > MAX_LOG) state.pushLog.splice(0, state.pushLog.length - MAX_LOG);
  return record;
}

/**
 * A push made after the current request has been answered: WeChat reports a send's outcome
 * (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) some time after accepting it, so the sender may
 * receive the event before it has stored the id it was given.
 */
export function pushLater(state: SandboxState, app: AppState, fields: PushObject): void {
  if (!app.callback) return;
  const pending: Promise<unknown> = new Promise((resolve) => setImmediate(resolve))
    .then(() => pushToCallback(state, app, fields))
    .finally(() => state.pendingPushes.delete(pending));
  state.pendingPushes.add(pending);
}

/** The common fields of an event push from `openid` to the app. */
export function eventFields(state: SandboxState, app: AppState, openid: string, event: string): PushObject {
  return {
    ToUserName: app.callback?.ghId ?? 'gh_sandbox',
    FromUserName: openid,
    CreateTime: Math.floor(state.now() / 1000),
    MsgType: 'event',
    Event: event,
  };
}
