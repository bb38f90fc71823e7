import { createHash } from 'node:crypto';
import type { ChannelsConfig } from '../core/config-channels.ts';
import type { Channel, ChannelId, TokenStore } from './types.ts';
import { createWebhookChannel } from './webhook/webhook.channel.ts';
import { WechatClient } from './wechat/wechat-client.ts';
import { createWechatMpChannel } from './wechat/wechat-mp.channel.ts';
import { createWechatOaChannel, type MassBudget } from './wechat/wechat-oa.channel.ts';
import { createWeiboClient } from './weibo/weibo-client.ts';
import { createWeiboChannel } from './weibo/weibo.channel.ts';

/** The apps, templates and token the local sandbox knows out of the box. */
export const SANDBOX_APPS = {
  oa: { appId: 'wx-sandbox-oa', secret: 'sandbox-oa-secret', templateId: 'sandbox-oa-template' },
  mp: { appId: 'wx-sandbox-mp', secret: 'sandbox-mp-secret', templateId: 'sandbox-mp-template' },
  weiboToken: 'sandbox-weibo-token',
} as const;

export interface ChannelWiring {
  config: ChannelsConfig;
  tokenStore: TokenStore;
  massBudget?: MassBudget;
  /** The running sandbox, when any channel lacks credentials (or GONGKAI_SANDBOX=1). */
  sandbox?: { url: string; webhook: { url: string; secret: string } };
}

export interface WiredChannels {
  channels: Map<ChannelId, Channel>;
  /** The mini-program's client, also used for residents' login (code2Session). */
  mpClient: WechatClient;
  /** The official account's client, also used for the subscribe page's QR codes. */
  oaClient: WechatClient;
  webhooks: { id: string; url: string }[];
  mp: { appId: string; templateId: string };
}

/** True when at least one channel has no credentials and so talks to the sandbox. */
export function needsSandbox(config: ChannelsConfig): boolean {
  return config.sandbox.forced || !config.wechatOa || !config.wechatMp || !config.weiboToken;
}

/**
 * Builds every channel: with credentials against the real APIs, without against the sandbox.
 * This is the one place that knows which is which; adding a channel is a folder plus a line here.
 */
export function createChannels({ config, tokenStore, massBudget, sandbox }: ChannelWiring): WiredChannels {
  const wechatBase = (real: boolean) => (real ? config.wechatBase : requireSandbox(sandbox).url);
  const oa = config.wechatOa ?? SANDBOX_APPS.oa;
  const mp = config.wechatMp ?? SANDBOX_APPS.mp;
  const mpClient = new WechatClient({ appId: mp.appId, secret: mp.secret, baseUrl: wechatBase(!!config.wechatMp), tokenStore });
  const oaClient = new WechatClient({ appId: oa.appId, secret: oa.secret, baseUrl: wechatBase(!!config.wechatOa), tokenStore });
  const channels = new Map<ChannelId, Channel>([
    [
      'wechat-oa',
      createWechatOaChannel({
        client: oaClient,
        templateId: oa.templateId,
        miniProgramAppId: mp.appId,
        massBudget,
      }),
    ],
    ['wechat-mp', createWechatMpChannel({ client: mpClient, templateId: mp.templateId, page: config.mpPage })],
    [
      'weibo',
      createWeiboChannel({
        client: createWeiboClient({ baseURL: config.weiboToken ? config.weiboBase : requireSandbox(sandbox).url }),
        accessToken: config.weiboToken ?? SANDBOX_APPS.weiboToken,
      }),
    ],
  ]);
  const useSandboxWebhook = !config.webhooks.urls.length && sandbox;
  const urls = useSandboxWebhook ? [sandbox.webhook.url] : config.webhooks.urls;
  const secret = useSandboxWebhook ? sandbox.webhook.secret : config.webhooks.secret;
  if (urls.length && secret) channels.set('webhook', createWebhookChannel({ secret, timeoutMs: 10_000 }));
  return {
    channels,
    mpClient,
    oaClient,
    webhooks: urls.map((url) => ({ id: createHash('sha256').update(url).digest('hex').slice(0, 16), url })),
    mp: { appId: mp.appId, templateId: mp.templateId },
  };
}

function requireSandbox(sandbox: ChannelWiring['sandbox']): NonNullable<ChannelWiring['sandbox']> {
  if (!sandbox) throw new Error('a channel without credentials needs the sandbox running');
  return sandbox;
}
