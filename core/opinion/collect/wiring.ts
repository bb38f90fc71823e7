import { SANDBOX_APPS } from '../../../channels/registry.ts';
import { createWeiboClient, type WeiboClient } from '../../../channels/weibo/weibo-client.ts';
import type { ChannelsConfig } from '../../config-channels.ts';
import type { ReadModel } from '../../read-model/types.ts';

/** What the reaction collector needs from the process's configuration. */
export interface OpinionCollectOptions {
  everyMinutes: number;
  /** Absent when neither a token nor the sandbox is there to ask. */
  weibo?: { client: WeiboClient; accessToken: string; maxAgeDays: number; accountAgency?: string; mode?: 'live' | 'sandbox' };
  /** The agency owning the official account; without it the inbox is left where it is. */
  oaAgency?: string;
  pseudonymKey?: string;
  /** Where texts that name a disclosure find it (set by the process that opened the read model). */
  readModel?: ReadModel;
}

/**
 * Builds the collector's Weibo access the way channels/registry.ts builds the Weibo channel, in
 * the account's mode: `live` the real API with `WEIBO_ACCESS_TOKEN`, `sandbox` the sandbox with its
 * token, `off` none.
 */
export function opinionCollectOptions(config: ChannelsConfig, sandbox?: { url: string }): OpinionCollectOptions {
  const mode = config.modes.weibo;
  const base = mode === 'live' ? config.weiboBase : mode === 'sandbox' ? sandbox?.url : undefined;
  const { oaAgency, weiboAgency, collectEveryMinutes, weiboMaxAgeDays } = config.opinion;
  return {
    everyMinutes: collectEveryMinutes,
    ...(base
      ? {
          weibo: {
            client: createWeiboClient({ baseURL: base }),
            accessToken: mode === 'live' ? config.weiboToken! : SANDBOX_APPS.weiboToken,
            maxAgeDays: weiboMaxAgeDays,
            mode: mode === 'live' ? 'live' : 'sandbox',
            ...(weiboAgency ? { accountAgency: weiboAgency } : {}),
          },
        }
      : {}),
    ...(oaAgency ? { oaAgency } : {}),
    ...(config.sessionSecret ? { pseudonymKey: config.sessionSecret } : {}),
  };
}
