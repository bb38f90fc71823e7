import { createHash } from 'node:crypto';
import { type Channel, ChannelError, type OutgoingMessage, type Recipient, type SendResult } from '../types.ts';
import { WechatCallError, toChannelError } from './errors.ts';
import { oaTemplateData, oneLine } from './template-data.ts';
import { templateData, type TemplateMapping } from './template-mapping.ts';
import type { WechatClient } from './wechat-client.ts';

export interface MassReservation {
  ok: boolean;
  used: number;
  limit: number;
  appId: string;
  month: string;
  key: string;
  /** The store's handle on the reservation, for release. */
  slotId?: string;
}

/** The monthly mass-send budget of an OA (implemented on MongoDB in core/wechat-state/mass-budget.ts). */
export interface MassBudget {
  /** Takes one of the month's sends for `key`, atomically and only below the limit; the same key twice is one send. */
  reserve(appId: string, key: string, at?: Date): Promise<MassReservation>;
  /** Gives back a reservation whose send was refused. */
  release(reservation: MassReservation): Promise<void>;
}

export interface WechatOaChannelOptions {
  /** The OA's client. */
  client: WechatClient;
  /** The template; a recipient's templateId wins. */
  templateId: string;
  /** Which message part goes in which of the template's keys; default the sandbox's thing1, thing2, thing3, time4. */
  mapping?: TemplateMapping;
  /** A mini program bound to the OA: notices open `message.miniProgramPage` in it. */
  miniProgramAppId?: string;
  massBudget?: MassBudget;
  clock?: () => Date;
}

export type WechatOaChannel = Channel & {
  /** Broadcast to every follower with the tag, once per message, within the monthly budget. */
  massSendByTag(message: OutgoingMessage, tagId: number): Promise<SendResult>;
};

/** A short stable id: the same message to the same recipient always gets the same one. */
export const stableId = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/** Official Account template notices to followers, and tag broadcasts by mass send. */
export function createWechatOaChannel(options: WechatOaChannelOptions): WechatOaChannel {
  const { client, miniProgramAppId, massBudget } = options;
  const clock = options.clock ?? (() => new Date());

  return {
    id: 'wechat-oa',
    perRecipient: true,

    async send(message, recipient?: Recipient) {
      if (!recipient) throw new ChannelError('wechat-oa', 'no-recipient', 'wechat-oa sends to one follower at a time', 'fail');
      // A broadcast item's one recipient is the tag of followers it goes to (mass send).
      const tag = /^tag:(\d+)$/.exec(recipient.address);
      if (tag) return this.massSendByTag(message, Number(tag[1]));
      const body = {
        touser: recipient.address,
        template_id: recipient.templateId ?? options.templateId,
        url: message.url,
        ...(miniProgramAppId && message.miniProgramPage
          ? { miniprogram: { appid: miniProgramAppId, pagepath: message.miniProgramPage } }
          : {}),
        // WeChat delivers one message per openid + client_msg_id within about 10 minutes, so a
        // retry after a timeout that did go through is not delivered twice.
        client_msg_id: stableId(message.key, recipient.id),
        data: options.mapping ? templateData(options.mapping, message) : oaTemplateData(message),
      };
      try {
        const { msgid } = await client.sendTemplate(body);
        return { externalId: msgid };
      } catch (error) {
        throw toChannelError('wechat-oa', error, clock());
      }
    },

    async massSendByTag(message, tagId) {
      const clientmsgid = stableId('mass', message.key, String(tagId));
      const reservation = massBudget ? await massBudget.reserve(client.appId, clientmsgid, clock()) : undefined;
      if (reservation && !reservation.ok) {
        throw new ChannelError(
          'wechat-oa',
          'mass-budget-spent',
          `本月群发次数已用完（${reservation.used}/${reservation.limit}，${reservation.month}）; ` +
            `the monthly mass-send budget is spent (${reservation.used}/${reservation.limit} in ${reservation.month}): ` +
            'WeChat would deliver a further broadcast to nobody. Send template notices instead, or wait for next month.',
          'fail',
        );
      }
      const content = [oneLine(message.title), oneLine(message.summary), message.url].filter(Boolean).join('\n');
      try {
        const { msgId } = await client.massSendAll({
          filter: { is_to_all: false, tag_id: tagId },
          msgtype: 'text',
          text: { content },
          clientmsgid,
        });
        return { externalId: msgId };
      } catch (error) {
        // Refused outright: the send did not happen, give the month's send back. After a timeout
        // it may have happened: keep it (a retry with the same clientmsgid is answered 45065).
        if (reservation && error instanceof WechatCallError && /^-?\d+$/.test(error.code)) await massBudget?.release(reservation);
        throw toChannelError('wechat-oa', error, clock());
      }
    },
  };
}
