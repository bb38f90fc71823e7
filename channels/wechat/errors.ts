import { ChannelError, type ChannelId, type FailureAction } from '../types.ts';

export type WechatChannelId = Extract<ChannelId, 'wechat-oa' | 'wechat-mp'>;

/** A failed WeChat call: the errcode as a string, or `http-<status>` / `timeout` / `network`. */
export class WechatCallError extends Error {
  override name = 'WechatCallError';
  constructor(
    readonly code: string,
    message: string,
    /** `token`: fetching the access token failed (a 40001 there means a wrong secret). */
    readonly stage: 'token' | 'call' = 'call',
    /** The whole error body, which co-wechat-api would have dropped. */
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** No answer from WeChat (or none we could read, or no token from the store): try again later. */
const TRANSPORT_CODES = new Set(['timeout', 'network', 'bad-response', 'token-unavailable']);

/** Token errors: drop the token from the shared store, fetch again and retry once. */
export const TOKEN_ERRORS = new Set(['40001', '40014', '41001', '42001']);

interface Rule {
  action: FailureAction | 'midnight';
  note: string;
  retryAfterMs?: number;
}

// wechat.md §5 (sources: developers.weixin.qq.com doc/channels/API/basics/commErrCode.html and
// the per-endpoint pages listed in wechat.md §7). 45065 is not here: the client answers it as
// success with the existing msg_id.
const RULES: Record<string, Rule> = {
  '-1': { action: 'retry', note: 'system busy / 系统繁忙' },
  '45011': { action: 'retry', note: 'per-minute limit / 频率限制', retryAfterMs: 60_000 },
  '43108': { action: 'retry', note: 'concurrent send to the same user / 并发下发', retryAfterMs: 1_000 },
  '45066': { action: 'retry', note: 'clientmsgid retried too soon / 相同clientmsgid重试速度过快', retryAfterMs: 60_000 },
  // A token error still there after the one refresh and retry: stop the channel and alert.
  '40001': { action: 'pause-channel', note: 'access token rejected after a refresh / access_token 无效', retryAfterMs: 5 * 60_000 },
  '40014': { action: 'pause-channel', note: 'malformed access token / 不合法的 access_token', retryAfterMs: 5 * 60_000 },
  '41001': { action: 'pause-channel', note: 'access token missing / 缺少 access_token', retryAfterMs: 5 * 60_000 },
  '42001': { action: 'pause-channel', note: 'access token expired after a refresh / access_token 超时', retryAfterMs: 5 * 60_000 },
  '40003': { action: 'skip-recipient', note: 'invalid openid (other app or not a follower) / 不合法的 OpenID' },
  '43004': { action: 'skip-recipient', note: 'user does not follow the account / 需要接收者关注' },
  '43019': { action: 'skip-recipient', note: 'user is blacklisted / 需要将接收者从黑名单中移除' },
  '43101': { action: 'skip-recipient', note: 'no subscription credit or refused / 用户拒绝接受消息' },
  '46004': { action: 'skip-recipient', note: 'no such user / 不存在的用户' },
  '45015': { action: 'skip-recipient', note: 'outside the 48 h customer-service window / 回复时间超过限制' },
  '45047': { action: 'skip-recipient', note: 'over the customer-service message count / 客服下行消息超过上限' },
  '45009': { action: 'midnight', note: 'daily API quota reached / 接口调用超过每日限额' },
  '45028': { action: 'midnight', note: 'no mass-send quota / 没有群发配额' },
};

const FAIL_NOTES: Record<string, string> = {
  '40002': 'invalid grant_type', '40013': 'invalid appid / 不合法的 AppID', '40125': 'invalid appsecret / 不合法的 secret',
  '40164': 'calling IP not whitelisted / IP 不在白名单', '40036': 'invalid template id', '40037': 'invalid template_id / 模板 ID 不正确',
  '40029': 'invalid js_code / 登录 code 无效', '40032': 'invalid openid list size', '40130': 'invalid openid list size',
  '41030': 'page not in the released mini program / page 路径不正确', '43104': 'appid and openid do not match',
  '44002': 'empty post body', '47001': 'bad JSON / 数据格式错误', '47003': 'template data breaks the keyword rules / 模板参数不准确',
  '45067': 'clientmsgid too long', '48001': 'api unauthorised / 接口未授权', '48004': 'api banned', '48006': 'clear_quota used up',
  '50001': 'user unauthorised', '50002': 'user restricted', '61023': 'refresh_token invalid', '87014': 'risky content',
};

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/** Milliseconds from `now` to the next 00:00 in China (UTC+8, no daylight saving), when daily quotas reset. */
export function msUntilChinaMidnight(now: Date): number {
  const china = now.getTime() + CHINA_OFFSET_MS;
  return DAY_MS - (((china % DAY_MS) + DAY_MS) % DAY_MS);
}

/** What the fan-out engine should do about a failed WeChat call (wechat.md §5). */
export function toChannelError(channel: WechatChannelId, error: unknown, now: Date = new Date()): ChannelError {
  if (error instanceof ChannelError) return error;
  if (!(error instanceof WechatCallError)) {
    return new ChannelError(channel, 'unexpected', `WeChat call failed: ${String((error as Error)?.message ?? error)}`, 'retry');
  }
  const { code } = error;
  if (TRANSPORT_CODES.has(code) || code.startsWith('http-')) {
    return new ChannelError(channel, code, `WeChat unreachable (${code}): ${error.message}`, 'retry');
  }
  // Fetching the token itself failed with a credentials error: the appid/secret are wrong.
  if (error.stage === 'token' && (TOKEN_ERRORS.has(code) || code === '40125' || code === '40013')) {
    return new ChannelError(channel, code, `access token fetch refused, check appid/secret: ${error.message}`, 'fail');
  }
  const rule = RULES[code];
  if (!rule) {
    const note = FAIL_NOTES[code] ?? 'request or configuration error';
    return new ChannelError(channel, code, `WeChat ${code}: ${note}: ${error.message}`, 'fail');
  }
  const message = `WeChat ${code}: ${rule.note}: ${error.message}`;
  if (rule.action === 'midnight') return new ChannelError(channel, code, message, 'pause-channel', msUntilChinaMidnight(now));
  return new ChannelError(channel, code, message, rule.action, rule.retryAfterMs);
}
