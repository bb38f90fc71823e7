import type { Channel, OutgoingMessage, SendResult } from '../types.ts';
import { weiboErrorClass } from './errors.ts';
import { buildStatusText, WEIBO_MAX_LENGTH } from './status-text.ts';
import type { WeiboClient } from './weibo-client.ts';

export interface WeiboChannelOptions {
  client: WeiboClient;
  /** The account's OAuth token, or a function reading the current one (tokens are re-authorised by hand). */
  accessToken: string | (() => string | Promise<string>);
  /** Longest status in code points; default 140. */
  maxLength?: number;
  /** The server's public IP, sent as `rip` (required on the current share page: 10016 without it). */
  rip: string;
}

interface WeiboStatus {
  idstr: string;
  text: string;
}

const URLS = /https?:\/\/\S+/g;
const withoutLinks = (text: string) => text.replace(URLS, '').replace(/\s+/g, ' ').trim();

/**
 * Broadcasts each disclosure as one status via `statuses/share` (the only posting API open to apps).
 * Returns the status idstr as externalId, for the reaction collector.
 */
export function createWeiboChannel(options: WeiboChannelOptions): Channel {
  const { client } = options;
  const maxLength = options.maxLength ?? WEIBO_MAX_LENGTH;
  const token = async () => (typeof options.accessToken === 'function' ? options.accessToken() : options.accessToken);

  /**
   * After 20019/20111/20017/20032 the post exists (or may): find it in our own timeline instead of
   * retrying (notes §2). Weibo shows links as t.cn short URLs, hence the optional link-free match.
   */
  async function findOwn(accessToken: string, status: string, linkFree: boolean): Promise<WeiboStatus | undefined> {
    const { statuses } = await client.get<{ statuses?: WeiboStatus[] }>('/2/statuses/user_timeline.json', {
      access_token: accessToken,
      count: 50,
      trim_user: 1,
    });
    const own = statuses ?? [];
    const exact = own.find((s) => s.text === status);
    if (exact || !linkFree) return exact;
    // Same title, other link: a monthly notice repeats its title, so only an unambiguous match counts.
    const alike = own.filter((s) => withoutLinks(s.text) === withoutLinks(status));
    return alike.length === 1 ? alike[0] : undefined;
  }

  return {
    id: 'weibo',
    perRecipient: false,
    async send(message: OutgoingMessage): Promise<SendResult> {
      const status = buildStatusText(message, maxLength);
      const accessToken = await token();
      try {
        const posted = await client.post<WeiboStatus>('/2/statuses/share.json', { access_token: accessToken, status, rip: options.rip });
        return { externalId: posted.idstr };
      } catch (error) {
        const cls = weiboErrorClass(error);
        if (cls !== 'duplicate' && cls !== 'similar' && cls !== 'accepted') throw error;
        // "Similar" may be another disclosure's post with the same title: only our exact text will do.
        const found = await findOwn(accessToken, status, cls !== 'similar').catch(() => undefined);
        if (found) return { externalId: found.idstr };
        if (cls === 'similar') throw error;
        return {};
      }
    },
  };
}
