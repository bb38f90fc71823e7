import { stableId } from '../wechat/wechat-oa.channel.ts';
import { toChannelError } from '../wechat/errors.ts';
import { staffAlertTemplateData, type StaffAlertMapping } from '../wechat/staff-alert-mapping.ts';
import type { WechatClient } from '../wechat/wechat-client.ts';
import { StaffAlertError, type StaffAlertSender } from './types.ts';

/**
 * A template message from the official account to one press officer who follows it, through the
 * same client (and shared token store) as the disclosure notices. WeChat's answers are read by
 * the same table as deliveries (channels/wechat/errors.ts): transient ones and quotas are retried,
 * the rest (unknown openid, not a follower, bad template data) fail.
 */
export function createOaStaffSender(options: { client: WechatClient; templateId: string; mapping: StaffAlertMapping; openid: string }): StaffAlertSender {
  return {
    kind: 'wechat-oa-staff',
    async send(message) {
      try {
        const { msgid } = await options.client.sendTemplate({
          touser: options.openid,
          template_id: options.templateId,
          url: message.url,
          // WeChat drops a repeat of the same client_msg_id to the same openid, so a retry after a
          // timeout that did go through is not shown twice.
          client_msg_id: stableId('staff-alert', message.key),
          data: staffAlertTemplateData(options.mapping, message),
        });
        return { externalId: msgid };
      } catch (error) {
        const channelError = toChannelError('wechat-oa', error);
        throw new StaffAlertError('wechat-oa-staff', channelError.code, channelError.message, channelError.retryable ? 'retry' : 'fail', channelError.retryAfterMs);
      }
    },
  };
}
