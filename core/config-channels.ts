import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = (schema: z.ZodType<string>) => z.preprocess(emptyToUndefined, schema.optional());
const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL ${what}` });
const whole = (fallback: number, what: string) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `must be a whole number ${what}` })
      .int({ error: `must be a whole number ${what}` })
      .positive({ error: `must be a whole number ${what}` })
      .default(fallback),
  );

/** The delivery channels' part of the environment (read by core/config.ts only). */
export const channelEnvShape = {
  GONGKAI_SANDBOX: z.preprocess(emptyToUndefined, z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0')),
  SANDBOX_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3100),
  ),
  WECHAT_API_BASE: z.preprocess(emptyToUndefined, httpUrl('such as https://api.weixin.qq.com').default('https://api.weixin.qq.com')),
  WECHAT_OA_APPID: optional(z.string().regex(/^wx[0-9A-Za-z_-]{4,30}$/, { error: 'must be an app id starting with wx' })),
  WECHAT_OA_SECRET: optional(z.string().min(8, { error: 'must be the app secret' })),
  WECHAT_OA_TEMPLATE_ID: optional(z.string().min(4, { error: 'must be a template id' })),
  WECHAT_OA_MASS_TAG: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a WeChat tag id' }).int({ error: 'must be a WeChat tag id' }).min(100, { error: 'must be a WeChat tag id (0-99 are reserved)' }).optional(),
  ),
  WECHAT_OA_TOKEN: optional(
    z.string().regex(/^[A-Za-z0-9]{3,32}$/, { error: 'must be the 3-32 letter/digit Token set in the official account console' }),
  ),
  WECHAT_OA_AES_KEY: optional(
    z.string().regex(/^[A-Za-z0-9]{43}$/, { error: 'must be the 43-character EncodingAESKey' }),
  ),
  WECHAT_MP_TEMPLATE_KIND: z.preprocess(
    emptyToUndefined,
    z.enum(['one-time', 'long-term'], { error: 'must be one-time or long-term' }).default('one-time'),
  ),
  SESSION_SECRET: optional(z.string().min(32, { error: 'must be at least 32 characters' })),
  WECHAT_MP_APPID: optional(z.string().regex(/^wx[0-9A-Za-z_-]{4,30}$/, { error: 'must be an app id starting with wx' })),
  WECHAT_MP_SECRET: optional(z.string().min(8, { error: 'must be the app secret' })),
  WECHAT_MP_TEMPLATE_ID: optional(z.string().min(4, { error: 'must be a template id' })),
  WECHAT_MP_PAGE: z.preprocess(emptyToUndefined, z.string().regex(/^[a-z0-9/_-]+$/i).default('pages/detail/detail')),
  WEIBO_API_BASE: z.preprocess(emptyToUndefined, httpUrl('such as https://api.weibo.com').default('https://api.weibo.com')),
  WEIBO_ACCESS_TOKEN: optional(z.string().min(8, { error: 'must be an OAuth2 access token' })),
  WEBHOOK_URLS: optional(
    z.string().refine((s) => s.split(',').every((u) => /^https?:\/\/\S+$/.test(u.trim())), {
      error: 'must be comma-separated http(s) URLs',
    }),
  ),
  WEBHOOK_SECRET: optional(z.string().min(16, { error: 'must be at least 16 characters' })),
  CHANNEL_RATE: whole(200, 'of sends per second per channel'),
  CHANNEL_CONCURRENCY: whole(32, 'of sends in flight per channel'),
  FANOUT_BATCH: whole(500, 'of recipients per batch'),
  FANOUT_LEASE_MS: whole(60_000, 'of milliseconds'),
  WECHAT_OA_AGENCY: optional(z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be the code of the agency that owns the official account' })),
  WEIBO_AGENCY: optional(z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be the code of the agency that owns the Weibo account' })),
  OPINION_COLLECT_MINUTES: whole(5, 'of minutes between reaction collections'),
  OPINION_WEIBO_MAX_AGE_DAYS: whole(30, 'of days a Weibo post is watched for reactions'),
};

type ChannelEnv = z.output<z.ZodObject<typeof channelEnvShape>>;

export interface WechatAppConfig {
  appId: string;
  secret: string;
  templateId: string;
}

export interface ChannelsConfig {
  /** Where channels without credentials (or all, with GONGKAI_SANDBOX=1) are sent: the local sandbox. */
  sandbox: { forced: boolean; port: number };
  wechatBase: string;
  /** Real credentials, or undefined: then the sandbox app is used. */
  wechatOa?: WechatAppConfig;
  wechatMp?: WechatAppConfig;
  /** Server configuration of the official account's callback (服务器配置). */
  oaCallback: { token: string; aesKey?: string };
  /** Whether the mini-program's subscribe template is one-time (一次性) or long-term (长期). */
  mpTemplateKind: 'one-time' | 'long-term';
  /** Signs residents' mini-program sessions; the same value on every API process. */
  sessionSecret?: string;
  /** Followers' tag that items marked `broadcast` are mass-sent to (4 a month per follower). */
  wechatOaMassTag?: number;
  mpPage: string;
  weiboBase: string;
  weiboToken?: string;
  webhooks: { urls: string[]; secret?: string };
  throttle: { ratePerSecond: number; concurrency: number };
  fanOut: { batchSize: number; leaseMs: number };
  /** Reaction collection: who owns the accounts, how often to look, how long a post is watched. */
  opinion: { oaAgency?: string; weiboAgency?: string; collectEveryMinutes: number; weiboMaxAgeDays: number };
}

export function channelsConfig(e: ChannelEnv): ChannelsConfig | { error: string } {
  const forced = e.GONGKAI_SANDBOX === '1';
  const app = (prefix: 'OA' | 'MP'): WechatAppConfig | undefined | { error: string } => {
    const [appId, secret, templateId] = [e[`WECHAT_${prefix}_APPID`], e[`WECHAT_${prefix}_SECRET`], e[`WECHAT_${prefix}_TEMPLATE_ID`]];
    if (!appId && !secret && !templateId) return undefined;
    if (!appId || !secret || !templateId) {
      return { error: `WECHAT_${prefix}_APPID, WECHAT_${prefix}_SECRET and WECHAT_${prefix}_TEMPLATE_ID must be set together` };
    }
    return forced ? undefined : { appId, secret, templateId };
  };
  const oa = app('OA');
  const mp = app('MP');
  if (oa && 'error' in oa) return oa;
  if (mp && 'error' in mp) return mp;
  const urls = e.WEBHOOK_URLS ? e.WEBHOOK_URLS.split(',').map((u) => u.trim()) : [];
  if (urls.length && !e.WEBHOOK_SECRET) return { error: 'WEBHOOK_SECRET must be set when WEBHOOK_URLS is' };
  return {
    sandbox: { forced, port: e.SANDBOX_PORT },
    wechatBase: e.WECHAT_API_BASE.replace(/\/+$/, ''),
    wechatOa: oa,
    wechatMp: mp,
    wechatOaMassTag: e.WECHAT_OA_MASS_TAG,
    // Without a configured token the sandbox's is used, so the callback works on a dev machine.
    oaCallback: { token: e.WECHAT_OA_TOKEN ?? 'sandboxtoken', ...(e.WECHAT_OA_AES_KEY ? { aesKey: e.WECHAT_OA_AES_KEY } : {}) },
    mpTemplateKind: e.WECHAT_MP_TEMPLATE_KIND,
    ...(e.SESSION_SECRET ? { sessionSecret: e.SESSION_SECRET } : {}),
    mpPage: e.WECHAT_MP_PAGE,
    weiboBase: e.WEIBO_API_BASE.replace(/\/+$/, ''),
    weiboToken: forced ? undefined : e.WEIBO_ACCESS_TOKEN,
    webhooks: forced ? { urls: [] } : { urls, secret: e.WEBHOOK_SECRET },
    throttle: { ratePerSecond: e.CHANNEL_RATE, concurrency: e.CHANNEL_CONCURRENCY },
    fanOut: { batchSize: e.FANOUT_BATCH, leaseMs: e.FANOUT_LEASE_MS },
    opinion: {
      ...(e.WECHAT_OA_AGENCY ? { oaAgency: e.WECHAT_OA_AGENCY } : {}),
      ...(e.WEIBO_AGENCY ? { weiboAgency: e.WEIBO_AGENCY } : {}),
      collectEveryMinutes: e.OPINION_COLLECT_MINUTES,
      weiboMaxAgeDays: e.OPINION_WEIBO_MAX_AGE_DAYS,
    },
  };
}
