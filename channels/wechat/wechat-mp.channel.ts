import { type Channel, ChannelError, type Recipient } from '../types.ts';
import { toChannelError } from './errors.ts';
import { mpTemplateData } from './template-data.ts';
import { templateData, type TemplateMapping } from './template-mapping.ts';
import type { WechatClient } from './wechat-client.ts';

export interface WechatMpChannelOptions {
  /** The mini program's client. */
  client: WechatClient;
  /** The subscribe template; a recipient's templateId wins. */
  templateId: string;
  /** Which message part goes in which of the template's keys; default the sandbox's thing1, thing2, time3, thing4. */
  mapping?: TemplateMapping;
  /** Page opened from the notice when the message has no `miniProgramPage`. */
  page?: string;
  clock?: () => Date;
}

/**
 * Mini Program subscribe messages (订阅消息). Each send uses one of the user's one-time credits
 * unless the grant is long-term; none left → 43101 → skip-recipient (the engine marks the grant
 * used up). subscribe/send has no dedupe key: a retry after a timeout that had gone through
 * answers 43101, which is right to read as delivered. Sends to one openid are serialised in this
 * process, since WeChat refuses concurrent ones with 43108.
 */
export function createWechatMpChannel(options: WechatMpChannelOptions): Channel {
  const { client } = options;
  const clock = options.clock ?? (() => new Date());
  const perOpenid = new Map<string, Promise<unknown>>();

  async function serialised<T>(openid: string, task: () => Promise<T>): Promise<T> {
    const previous = perOpenid.get(openid) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    perOpenid.set(openid, current);
    try {
      return await current;
    } finally {
      if (perOpenid.get(openid) === current) perOpenid.delete(openid);
    }
  }

  return {
    id: 'wechat-mp',
    perRecipient: true,

    async send(message, recipient?: Recipient) {
      if (!recipient) throw new ChannelError('wechat-mp', 'no-recipient', 'wechat-mp sends to one subscriber at a time', 'fail');
      const templateId = recipient.templateId ?? options.templateId;
      const page = message.miniProgramPage ?? options.page;
      try {
        const { msgid } = await serialised(recipient.address, () =>
          client.sendSubscribeMessage(recipient.address, templateId, page, options.mapping ? templateData(options.mapping, message) : mpTemplateData(message)),
        );
        return { externalId: msgid };
      } catch (error) {
        throw toChannelError('wechat-mp', error, clock());
      }
    },
  };
}
