import { toChannelError } from './errors.ts';
import { chinaTime, thing } from './template-data.ts';
import type { WechatClient } from './wechat-client.ts';

/** One step of a resident's information request, as the mini-program's subscribe message says it. */
export interface RequestNotice {
  openid: string;
  receiptNumber: string;
  /** e.g. 已答复, 告知补正. */
  step: string;
  agencyName: string;
  at: Date;
}

/**
 * Sends a request's step as a subscribe message with the same template keys as disclosures
 * (thing1 title, thing2 agency, time3 time, thing4 note), opening the request's page. Nothing
 * personal goes out: the receipt number is only in the page's query.
 */
export function createRequestNoticeSender(options: { client: WechatClient; templateId: string; page?: string }) {
  const page = options.page ?? 'pages/request/request';
  return async (notice: RequestNotice): Promise<{ externalId: string }> => {
    try {
      const { msgid } = await options.client.sendSubscribeMessage(notice.openid, options.templateId, `${page}?receipt=${encodeURIComponent(notice.receiptNumber)}`, {
        thing1: { value: thing(`政府信息公开申请${notice.step}`) },
        thing2: { value: thing(notice.agencyName) },
        time3: { value: chinaTime(notice.at) },
        thing4: { value: thing('请在小程序中查看办理详情') },
      });
      return { externalId: msgid };
    } catch (error) {
      throw toChannelError('wechat-mp', error, new Date());
    }
  };
}
