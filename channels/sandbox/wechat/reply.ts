import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

/** A WeChat error answer: HTTP 200 with `{errcode, errmsg}` (plus extras such as 45065's `msg_id`). */
export class WechatSandboxError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${errcode} ${errmsg}`);
  }
}

const INT64 = /"@@int64:(-?\d+)@@"/g;

/** JSON with bigint values written as raw numbers, the way WeChat writes its 64-bit ids. */
export function toWechatJson(body: Record<string, unknown>): string {
  return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? `@@int64:${value}@@` : value)).replace(
    INT64,
    '$1',
  );
}

/** WeChat answers everything, errors included, with HTTP 200 and this content type. */
export function reply(ctx: Context, body: Record<string, unknown>): void {
  ctx.status = 200;
  ctx.set('Content-Type', 'application/json; encoding=utf-8');
  ctx.body = toWechatJson(body);
}

export function replyError(ctx: Context, errcode: number, errmsg: string, extra: Record<string, unknown> = {}): void {
  reply(ctx, { errcode, errmsg: `${errmsg} rid: ${randomBytes(6).toString('hex')}`, ...extra });
}

/** The parsed JSON body as an object, or 44002 (empty) / 47001 (not a JSON object) like the real API. */
export function jsonBody(ctx: Context): Record<string, unknown> {
  const body: unknown = (ctx.request as { body?: unknown }).body;
  if (body === undefined || body === null || body === '' || (typeof body === 'object' && Object.keys(body).length === 0)) {
    throw new WechatSandboxError(44002, 'empty post data');
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw new WechatSandboxError(47001, 'data format error');
  return body as Record<string, unknown>;
}

export function queryString(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;
/** `YYYY-MM-DD` of the China (UTC+8) calendar day: WeChat's daily quotas reset at 00:00 Beijing time. */
export const chinaDay = (ms: number) => new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
export const chinaMonth = (ms: number) => chinaDay(ms).slice(0, 7);

/** Sets `key` in a Map kept to `max` entries by dropping the oldest. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}
