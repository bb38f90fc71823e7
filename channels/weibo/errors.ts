import { ChannelError } from '../types.ts';

/**
 * Weibo error codes → what the engine does (reference notes weibo-rss.md §5, from
 * open.weibo.com/wiki/Error_code). Codes not listed fail: an operator looks before we retry.
 */
export type WeiboCodeClass = 'retry' | 'wait' | 'slow-down' | 'stop-ip' | 'reauth' | 'duplicate' | 'similar' | 'accepted' | 'fail';

const CLASSES: [WeiboCodeClass, number[]][] = [
  // system error, service paused, remote error, busy, job timeout, RPC error, "try again", OAuth busy, backend timeout
  ['retry', [10001, 10002, 10003, 10009, 10010, 10011, 20014, 21331, 23201]],
  // IP / user / one-API hourly quotas
  ['wait', [10022, 10023, 10024]],
  // posting too frequently
  ['slow-down', [20016]],
  // abnormal behaviour from this IP: stop posting before the IP is blacklisted
  ['stop-ip', [20022]],
  // missing/bad token (10006 is also answered for a bad token), used/expired/revoked/rejected/removed, invalid
  ['reauth', [10006, 21301, 21314, 21315, 21316, 21317, 21319, 21327, 21332]],
  // identical content / same post: the post exists
  ['duplicate', [20019, 20111]],
  // similar content: maybe ours, maybe another disclosure's
  ['similar', [20017]],
  // posted, visible after 1–2 minutes
  ['accepted', [20032]],
];
const BY_CODE = new Map(CLASSES.flatMap(([cls, codes]) => codes.map((code) => [code, cls] as const)));

export function classifyWeiboCode(code: number): WeiboCodeClass {
  return BY_CODE.get(code) ?? 'fail';
}

/** Weibo's quotas are per clock hour; wait until the next one starts (at least a minute). */
export function untilNextHour(now: Date): number {
  const hour = 3600_000;
  return Math.max((Math.floor(now.getTime() / hour) + 1) * hour - now.getTime(), 60_000);
}

export const SLOW_DOWN_MS = 10 * 60_000;

/** A Weibo error body (`{error, error_code, request}`; `error_code` may be a string) as a ChannelError. */
export function weiboError(errorCode: number | string, error: string | undefined, request: string, now: Date): ChannelError {
  const code = Number(errorCode);
  const said = `Weibo ${code} on ${request}: ${error ?? 'no message'}`;
  const make = (action: ChannelError['action'], message: string, retryAfterMs?: number) =>
    new ChannelError('weibo', String(code), message, action, retryAfterMs);
  switch (classifyWeiboCode(code)) {
    case 'retry':
      return make('retry', said);
    case 'wait':
      return make('pause-channel', `${said} (hourly quota spent; paused until the next hour)`, untilNextHour(now));
    case 'slow-down':
      return make('pause-channel', `${said} (posting too often; paused)`, SLOW_DOWN_MS);
    case 'stop-ip':
      return make('pause-channel', `${said} (Weibo flags this server's IP: posting paused, an operator must check)`, untilNextHour(now));
    case 'reauth':
      return make('fail', `${said} — the access token is invalid or expired: a human must re-authorise the Weibo account (OAuth authorize) and store the new token`);
    case 'duplicate':
      return make('fail', `${said} (duplicate: the status already exists)`);
    case 'similar':
      return make('fail', `${said} (similar content already posted)`);
    case 'accepted':
      return make('fail', `${said} (accepted, visible later)`);
    default:
      return make('fail', said);
  }
}

/** A non-2xx answer without a Weibo error body (gateway pages, 403 blocks). */
export function weiboHttpError(status: number, request: string, retryAfterMs?: number): ChannelError {
  const transient = status === 408 || status === 429 || status >= 500;
  return new ChannelError('weibo', `http-${status}`, `Weibo answered HTTP ${status} on ${request}`, transient ? 'retry' : 'fail', retryAfterMs);
}

/** No answer: timeout or connection failure. A share may still have been posted; its retry then gets 20019. */
export function weiboTransportError(kind: 'timeout' | 'network', request: string, detail: string): ChannelError {
  return new ChannelError('weibo', kind, `Weibo ${kind} on ${request}: ${detail}`, 'retry');
}

/** The vendor code class of a ChannelError from this channel, for callers that treat some as success. */
export function weiboErrorClass(error: unknown): WeiboCodeClass | undefined {
  if (!(error instanceof ChannelError) || error.channel !== 'weibo' || !/^\d+$/.test(error.code)) return undefined;
  return classifyWeiboCode(Number(error.code));
}
