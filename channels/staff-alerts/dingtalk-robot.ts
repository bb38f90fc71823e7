import { signedQuery } from './dingtalk-sign.ts';
import { cleanVendorMessage, postRobot } from './robot-http.ts';
import { fitBytes, robotMarkdown } from './robot-text.ts';
import { StaffAlertError, type StaffAlertSender } from './types.ts';

export const DINGTALK_API_BASE = 'https://oapi.dingtalk.com';

/**
 * Vendor codes of the custom robot (POST /robot/send?access_token=T), as its users report them:
 * 310000 is every security-setting refusal ("sign not match", "invalid timestamp", "keywords not
 * in content", an IP outside the whitelist): a person must fix the robot or our settings;
 * 300005 "token is not exist"; 130101 "send too fast": more than 20 messages a minute, after
 * which the robot is throttled for 10 minutes. -1 is "system busy".
 */
const RULES: Record<number, { action: 'retry' | 'fail'; note: string; retryAfterMs?: number }> = {
  310000: { action: 'fail', note: '安全设置校验未通过（加签、关键词或 IP 白名单）' },
  300005: { action: 'fail', note: 'access_token 不存在' },
  130101: { action: 'retry', note: '发送过快（每分钟最多 20 条，超过后限流 10 分钟）', retryAfterMs: 10 * 60_000 },
  [-1]: { action: 'retry', note: '系统繁忙' },
};

const MAX_CONTENT_BYTES = 2048;

export interface DingtalkRobotOptions {
  accessToken: string;
  /** The 加签 secret, when the robot's security setting is 加签. */
  secret?: string;
  /** The robot's custom keywords (at most 10; a message must contain one): the first goes in every title. */
  keywords?: readonly string[];
  baseUrl?: string;
  timeoutMs?: number;
  clock?: () => number;
}

/** A DingTalk (钉钉) custom group robot: one markdown message per notice, signed when it has a secret. */
export function createDingtalkRobot(options: DingtalkRobotOptions): StaffAlertSender {
  const base = `${(options.baseUrl ?? DINGTALK_API_BASE).replace(/\/+$/, '')}/robot/send?access_token=${encodeURIComponent(options.accessToken)}`;
  const clock = options.clock ?? Date.now;
  const keyword = options.keywords?.[0];
  return {
    kind: 'dingtalk-robot',
    async send(message) {
      const prefix = keyword && !options.keywords!.some((k) => `${message.event}${message.title}`.includes(k)) ? `${keyword}：` : '';
      const title = [...`${prefix}${message.event}：${message.title}`].slice(0, 60).join('');
      const body = { msgtype: 'markdown', markdown: { title, text: fitBytes(robotMarkdown(message, prefix), MAX_CONTENT_BYTES) } };
      // Signed at the moment of sending: a retry later gets a fresh timestamp inside DingTalk's hour.
      const url = options.secret ? base + signedQuery(options.secret, clock()) : base;
      const { errcode, errmsg } = await postRobot('dingtalk-robot', url, body, options.timeoutMs ?? 10_000);
      if (errcode === 0) return {};
      const rule = RULES[errcode];
      const text = `DingTalk ${errcode}: ${rule?.note ?? '请求被拒绝'}: ${cleanVendorMessage(errmsg)}`;
      throw new StaffAlertError('dingtalk-robot', String(errcode), text, rule?.action ?? 'fail', rule?.retryAfterMs);
    },
  };
}
