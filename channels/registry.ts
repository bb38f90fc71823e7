import { createHash } from 'node:crypto';
import type { ChannelMode, ChannelsConfig } from '../core/config-channels.ts';
import type { Channel, ChannelId, TokenStore } from './types.ts';
import { createWebhookChannel } from './webhook/webhook.channel.ts';
import { WechatClient } from './wechat/wechat-client.ts';
import { createWechatMpChannel } from './wechat/wechat-mp.channel.ts';
import { createWechatOaChannel, type MassBudget } from './wechat/wechat-oa.channel.ts';
import { SANDBOX_MP_MAPPING, SANDBOX_OA_MAPPING, type TemplateMapping } from './wechat/template-mapping.ts';
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
  /** The running sandbox, when some account is in `sandbox` mode. */
  sandbox?: { url: string; webhook: { url: string; secret: string } };
}

export interface WiredChannels {
  channels: Map<ChannelId, Channel>;
  /** The mode each wired channel runs in: delivery records carry it. */
  modes: Map<ChannelId, ChannelMode>;
  /** The mini-program's client, also used for residents' login (code2Session); absent when it is off. */
  mpClient?: WechatClient;
  /** The official account's client, also used for the subscribe page's QR codes; absent when it is off. */
  oaClient?: WechatClient;
  webhooks: { id: string; url: string }[];
  mp?: { appId: string; templateId: string };
  /** The WeChat accounts' templates and mappings, for `channels check`. */
  templates: {
    channel: 'wechat-oa' | 'wechat-mp';
    mode: ChannelMode;
    client: WechatClient;
    templateId: string;
    mapping: TemplateMapping;
    /** A mini-program template's kind as configured (WECHAT_MP_TEMPLATE_KIND). */
    kind?: 'one-time' | 'long-term';
  }[];
}

/** True when at least one account is in `sandbox` mode, so the local sandbox must run. */
export function needsSandbox(config: ChannelsConfig): boolean {
  return Object.values(config.modes).includes('sandbox');
}

/**
 * Builds every channel in its account's mode: `live` against the real APIs with its credentials,
 * `sandbox` against the local sandbox with the sandbox's apps, `off` not at all. Nothing falls
 * back from one to the other. Adding a channel is a folder plus a line here.
 */
export function createChannels({ config, tokenStore, massBudget, sandbox }: ChannelWiring): WiredChannels {
  const { modes } = config;
  const base = (mode: ChannelMode, real: string) => (mode === 'live' ? real : requireSandbox(sandbox).url);
  const channels = new Map<ChannelId, Channel>();
  const wiredModes = new Map<ChannelId, ChannelMode>();
  const add = (channel: Channel, mode: ChannelMode) => {
    channels.set(channel.id, channel);
    wiredModes.set(channel.id, mode);
  };
  const templates: WiredChannels['templates'] = [];
  let mpClient: WechatClient | undefined;
  let mp: WiredChannels['mp'];
  if (modes['wechat-mp'] !== 'off') {
    const app = modes['wechat-mp'] === 'live' ? config.wechatMp! : SANDBOX_APPS.mp;
    mpClient = new WechatClient({ appId: app.appId, secret: app.secret, baseUrl: base(modes['wechat-mp'], config.wechatBase), tokenStore });
    mp = { appId: app.appId, templateId: app.templateId };
    const mapping = modes['wechat-mp'] === 'live' ? config.wechatMp!.mapping : SANDBOX_MP_MAPPING;
    add(createWechatMpChannel({ client: mpClient, templateId: app.templateId, mapping, page: config.mpPage }), modes['wechat-mp']);
    templates.push({ channel: 'wechat-mp', mode: modes['wechat-mp'], client: mpClient, templateId: app.templateId, mapping, kind: config.mpTemplateKind });
  }
  let oaClient: WechatClient | undefined;
  if (modes['wechat-oa'] !== 'off') {
    const app = modes['wechat-oa'] === 'live' ? config.wechatOa! : SANDBOX_APPS.oa;
    oaClient = new WechatClient({ appId: app.appId, secret: app.secret, baseUrl: base(modes['wechat-oa'], config.wechatBase), tokenStore });
    // A notice opens the mini-program only when one is bound in the same mode (a live OA cannot open the sandbox's).
    const boundMp = mp && modes['wechat-mp'] === modes['wechat-oa'] ? mp.appId : undefined;
    const mapping = modes['wechat-oa'] === 'live' ? config.wechatOa!.mapping : SANDBOX_OA_MAPPING;
    add(createWechatOaChannel({ client: oaClient, templateId: app.templateId, mapping, ...(boundMp ? { miniProgramAppId: boundMp } : {}), massBudget }), modes['wechat-oa']);
    templates.push({ channel: 'wechat-oa', mode: modes['wechat-oa'], client: oaClient, templateId: app.templateId, mapping });
  }
  if (modes.weibo !== 'off') {
    const live = modes.weibo === 'live';
    add(
      createWeiboChannel({
        client: createWeiboClient({ baseURL: base(modes.weibo, config.weiboBase) }),
        accessToken: live ? config.weiboToken! : SANDBOX_APPS.weiboToken,
        rip: config.weiboServerIp,
      }),
      modes.weibo,
    );
  }
  let urls: string[] = [];
  if (modes.webhook !== 'off') {
    const live = modes.webhook === 'live';
    urls = live ? config.webhooks.urls : [requireSandbox(sandbox).webhook.url];
    const secret = live ? config.webhooks.secret! : requireSandbox(sandbox).webhook.secret;
    add(createWebhookChannel({ secret, timeoutMs: 10_000 }), modes.webhook);
  }
  return {
    channels,
    modes: wiredModes,
    templates,
    ...(mpClient ? { mpClient } : {}),
    ...(oaClient ? { oaClient } : {}),
    ...(mp ? { mp } : {}),
    webhooks: urls.map((url) => ({ id: createHash('sha256').update(url).digest('hex').slice(0, 16), url })),
  };
}

function requireSandbox(sandbox: ChannelWiring['sandbox']): NonNullable<ChannelWiring['sandbox']> {
  if (!sandbox) throw new Error('an account in sandbox mode needs the local sandbox running');
  return sandbox;
}
