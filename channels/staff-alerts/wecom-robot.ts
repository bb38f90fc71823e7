import { cleanVendorMessage, postRobot } from './robot-http.ts';
import { fitBytes, robotMarkdown } from './robot-text.ts';
import { StaffAlertError, type StaffAlertSender } from './types.ts';

export const WECOM_API_BASE = 'https://qyapi.weixin.qq.com';

/**
 * Vendor codes of the group robot (POST /cgi-bin/webhook/send?key=KEY), as observed and documented
 * by its users: 93000 "invalid webhook url" (the key is unknown or the robot was removed: fixing it
 * needs a person), 45009 "api freq out of limit" (a robot sends at most 20 messages a minute: wait
 * the minute out). -1 is WeCom's "system busy".
 */
const RULES: Record<number, { action: 'retry' | 'fail'; note: string; retryAfterMs?: number }> = {
  93000: { action: 'fail', note: '机器人 key 无效或机器人已被移出群聊 / invalid webhook url' },
  45009: { action: 'retry', note: '超过每个机器人每分钟 20 条的限制 / api freq out of limit', retryAfterMs: 60_000 },
  [-1]: { action: 'retry', note: '系统繁忙 / system busy' },
};

/** Text content is at most 2048 bytes of UTF-8 (the robot's documented limit); markdown is kept under it too. */
const MAX_CONTENT_BYTES = 2048;

/** A WeCom (企业微信) group robot: one markdown message per notice. */
export function createWecomRobot(options: { key: string; baseUrl?: string; timeoutMs?: number }): StaffAlertSender {
  const url = `${(options.baseUrl ?? WECOM_API_BASE).replace(/\/+$/, '')}/cgi-bin/webhook/send?key=${encodeURIComponent(options.key)}`;
  return {
    kind: 'wecom-robot',
    async send(message) {
      const body = { msgtype: 'markdown', markdown: { content: fitBytes(robotMarkdown(message), MAX_CONTENT_BYTES) } };
      const { errcode, errmsg } = await postRobot('wecom-robot', url, body, options.timeoutMs ?? 10_000);
      if (errcode === 0) return {};
      const rule = RULES[errcode];
      const text = `WeCom ${errcode}: ${rule?.note ?? '请求被拒绝'}: ${cleanVendorMessage(errmsg)}`;
      throw new StaffAlertError('wecom-robot', String(errcode), text, rule?.action ?? 'fail', rule?.retryAfterMs);
    },
  };
}
