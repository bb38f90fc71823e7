import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { mappingProblems, type TemplateMapping } from '../channels/wechat/template-mapping.ts';

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

/** How a channel account runs: against the real platform, against the local sandbox, or not at all. */
export const CHANNEL_MODES = ['live', 'sandbox', 'off'] as const;
export type ChannelMode = (typeof CHANNEL_MODES)[number];
/** The channel accounts a single-account deployment configures from the environment. */
export type AccountChannel = 'wechat-oa' | 'wechat-mp' | 'weibo' | 'webhook';
const mode = z.preprocess(emptyToUndefined, z.enum(CHANNEL_MODES, { error: 'must be live, sandbox or off' }).optional());

/** The delivery channels' part of the environment (read by core/config.ts only). */
export const channelEnvShape = {
  WECHAT_OA_MODE: mode,
  WECHAT_MP_MODE: mode,
  WEIBO_MODE: mode,
  WEBHOOK_MODE: mode,
  GONGKAI_SANDBOX: z.preprocess(emptyToUndefined, z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0')),
  SANDBOX_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3100),
  ),
  WECHAT_API_BASE: z.preprocess(emptyToUndefined, httpUrl('such as https://api.weixin.qq.com').default('https://api.weixin.qq.com')),
  WECHAT_OA_APPID: optional(z.string().regex(/^wx[0-9A-Za-z_-]{4,30}$/, { error: 'must be an app id starting with wx' })),
  WECHAT_OA_SECRET: optional(z.string().min(8, { error: 'must be the app secret' })),
  WECHAT_OA_TEMPLATE_ID: optional(z.string().min(4, { error: 'must be a template id' })),
  WECHAT_OA_TEMPLATE_MAP: optional(z.string()),
  WECHAT_MP_TEMPLATE_MAP: optional(z.string()),
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
  WECHAT_MP_TOKEN: optional(
    z.string().regex(/^[A-Za-z0-9]{3,32}$/, { error: 'must be the 3-32 letter/digit Token set in the mini-program console (消息推送)' }),
  ),
  WECHAT_MP_AES_KEY: optional(
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
  /** The server's public address, sent as `rip` on automatic posts (Weibo marks it required). */
  WEIBO_SERVER_IP: optional(z.string().refine((ip) => isIP(ip) !== 0, { error: 'must be an IPv4 or IPv6 address (the server’s public one)' })),
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

/** core/config.ts parses NODE_ENV: `production` removes the sandbox default, every channel must say its mode. */
type ChannelEnv = z.output<z.ZodObject<typeof channelEnvShape>> & { NODE_ENV?: string };

export interface WechatAppConfig {
  appId: string;
  secret: string;
  templateId: string;
  /** WECHAT_<OA|MP>_TEMPLATE_MAP: template key → message part, checked against the keyword rules. */
  mapping: TemplateMapping;
}

/** Each account's mode and why: shown at start-up, one line per channel. */
export interface ChannelModes {
  'wechat-oa': ChannelMode;
  'wechat-mp': ChannelMode;
  weibo: ChannelMode;
  webhook: ChannelMode;
}

export interface ChannelsConfig {
  /** The mode of each account; nothing falls back from one to another. */
  modes: ChannelModes;
  /** Why each mode is what it is (e.g. `WECHAT_OA_MODE=live`, or the fresh-machine default). */
  modeReasons: Record<AccountChannel, string>;
  /** NODE_ENV=production: no mode defaults, and the sandbox's pages need an admin key. */
  production: boolean;
  /** The local sandbox (for accounts in `sandbox` mode); `forced` is GONGKAI_SANDBOX=1. */
  sandbox: { forced: boolean; port: number };
  wechatBase: string;
  /** Real credentials of a `live` account, else undefined. */
  wechatOa?: WechatAppConfig;
  wechatMp?: WechatAppConfig;
  /**
   * Server configuration of the official account's callback (服务器配置), unless the OA is off.
   * `token`: WECHAT_OA_TOKEN (required when live); in sandbox mode without it, random per process
   * (`random: true`), and the process registers it with the sandbox itself.
   */
  oaCallback?: { token: string; random: boolean; aesKey?: string };
  /**
   * The mini-program's message push (消息推送), where WeChat reports consent switched off: with
   * WECHAT_MP_TOKEN, or in sandbox mode a random per-process token. A live mini-program without
   * a token has no push endpoint (there is no default token).
   */
  mpCallback?: { token: string; random: boolean; aesKey?: string };
  /** Whether the mini-program's subscribe template is one-time (一次性) or long-term (长期). */
  mpTemplateKind: 'one-time' | 'long-term';
  /** Signs residents' mini-program sessions; the same value on every API process. */
  sessionSecret?: string;
  /** Followers' tag that items marked `broadcast` are mass-sent to (4 a month per follower). */
  wechatOaMassTag?: number;
  mpPage: string;
  weiboBase: string;
  /** The token of a `live` Weibo account, else undefined. */
  weiboToken?: string;
  /**
   * `rip` of automatic posts: WEIBO_SERVER_IP (required when live); in sandbox mode without it,
   * 127.0.0.1. Replies a staff member triggers carry that member's address instead.
   */
  weiboServerIp: string;
  /** Endpoints and secret of `live` webhooks (empty otherwise). */
  webhooks: { urls: string[]; secret?: string };
  throttle: { ratePerSecond: number; concurrency: number };
  fanOut: { batchSize: number; leaseMs: number };
  /** Reaction collection: who owns the accounts, how often to look, how long a post is watched. */
  opinion: { oaAgency?: string; weiboAgency?: string; collectEveryMinutes: number; weiboMaxAgeDays: number };
}

type EnvName = keyof z.output<z.ZodObject<typeof channelEnvShape>>;
/** Per account: its mode variable, the variables that configure it, and those `live` needs. */
const ACCOUNTS: Record<AccountChannel, { mode: EnvName; configures: EnvName[]; live: EnvName[] }> = {
  'wechat-oa': {
    mode: 'WECHAT_OA_MODE',
    configures: ['WECHAT_OA_APPID', 'WECHAT_OA_SECRET', 'WECHAT_OA_TEMPLATE_ID', 'WECHAT_OA_TEMPLATE_MAP', 'WECHAT_OA_TOKEN', 'WECHAT_OA_AES_KEY'],
    live: ['WECHAT_OA_APPID', 'WECHAT_OA_SECRET', 'WECHAT_OA_TEMPLATE_ID', 'WECHAT_OA_TEMPLATE_MAP', 'WECHAT_OA_TOKEN'],
  },
  'wechat-mp': {
    mode: 'WECHAT_MP_MODE',
    configures: ['WECHAT_MP_APPID', 'WECHAT_MP_SECRET', 'WECHAT_MP_TEMPLATE_ID', 'WECHAT_MP_TEMPLATE_MAP'],
    live: ['WECHAT_MP_APPID', 'WECHAT_MP_SECRET', 'WECHAT_MP_TEMPLATE_ID', 'WECHAT_MP_TEMPLATE_MAP'],
  },
  weibo: { mode: 'WEIBO_MODE', configures: ['WEIBO_ACCESS_TOKEN', 'WEIBO_SERVER_IP'], live: ['WEIBO_ACCESS_TOKEN', 'WEIBO_SERVER_IP'] },
  webhook: { mode: 'WEBHOOK_MODE', configures: ['WEBHOOK_URLS', 'WEBHOOK_SECRET'], live: ['WEBHOOK_URLS', 'WEBHOOK_SECRET'] },
};

/**
 * The rule (README "Channel modes"): a mode variable wins. Unset, a channel is `sandbox` only on
 * a machine that configures nothing for it and is not NODE_ENV=production (or with
 * GONGKAI_SANDBOX=1); a channel with any of its variables set, or any channel in production,
 * must say its mode. `live` needs all its credentials. Errors name variables, never values.
 */
function resolveMode(e: ChannelEnv, channel: AccountChannel, production: boolean, forced: boolean): { mode: ChannelMode; reason: string } | { error: string } {
  const account = ACCOUNTS[channel];
  const given = e[account.mode] as ChannelMode | undefined;
  const set = account.configures.filter((name) => e[name] !== undefined);
  if (given === 'live') {
    if (forced) return { error: `${account.mode}=live contradicts GONGKAI_SANDBOX=1` };
    const missing = account.live.filter((name) => e[name] === undefined);
    if (missing.length) return { error: `${account.mode}=live needs ${missing.join(', ')}` };
    return { mode: 'live', reason: `${account.mode}=live` };
  }
  if (given) return { mode: given, reason: `${account.mode}=${given}` };
  if (forced) return { mode: 'sandbox', reason: 'GONGKAI_SANDBOX=1' };
  if (production) return { error: `${account.mode} must be set to live, sandbox or off (NODE_ENV=production has no default)` };
  if (set.length) return { error: `${account.mode} must be set to live, sandbox or off, since ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set` };
  return { mode: 'sandbox', reason: `nothing configured: the local sandbox (set ${account.mode} to choose)` };
}

export function channelsConfig(e: ChannelEnv): ChannelsConfig | { error: string } {
  const forced = e.GONGKAI_SANDBOX === '1';
  const production = e.NODE_ENV === 'production';
  const modes = {} as ChannelModes;
  const modeReasons = {} as Record<AccountChannel, string>;
  for (const channel of Object.keys(ACCOUNTS) as AccountChannel[]) {
    const resolved = resolveMode(e, channel, production, forced);
    if ('error' in resolved) return resolved;
    modes[channel] = resolved.mode;
    modeReasons[channel] = resolved.reason;
  }
  const mappings: Partial<Record<'OA' | 'MP', TemplateMapping>> = {};
  for (const prefix of ['OA', 'MP'] as const) {
    const raw = e[`WECHAT_${prefix}_TEMPLATE_MAP`];
    if (raw === undefined) continue;
    const parsed = parseMapping(raw);
    if ('error' in parsed) return { error: `WECHAT_${prefix}_TEMPLATE_MAP ${parsed.error}` };
    mappings[prefix] = parsed.mapping;
  }
  const app = (prefix: 'OA' | 'MP'): WechatAppConfig => ({
    appId: e[`WECHAT_${prefix}_APPID`]!,
    secret: e[`WECHAT_${prefix}_SECRET`]!,
    templateId: e[`WECHAT_${prefix}_TEMPLATE_ID`]!,
    mapping: mappings[prefix]!,
  });
  const oaMode = modes['wechat-oa'];
  const aesKey = e.WECHAT_OA_AES_KEY ? { aesKey: e.WECHAT_OA_AES_KEY } : {};
  // No default token: a live OA has its own (required above); a sandbox OA a configured or random one.
  const oaCallback =
    oaMode === 'off'
      ? undefined
      : e.WECHAT_OA_TOKEN
        ? { token: e.WECHAT_OA_TOKEN, random: false, ...aesKey }
        : { token: randomBytes(16).toString('hex'), random: true, ...aesKey };
  const mpMode = modes['wechat-mp'];
  const mpCallback =
    mpMode === 'off'
      ? undefined
      : e.WECHAT_MP_TOKEN
        ? { token: e.WECHAT_MP_TOKEN, random: false, ...(e.WECHAT_MP_AES_KEY ? { aesKey: e.WECHAT_MP_AES_KEY } : {}) }
        : mpMode === 'sandbox'
          ? { token: randomBytes(16).toString('hex'), random: true }
          : undefined;
  return {
    modes,
    modeReasons,
    production,
    sandbox: { forced, port: e.SANDBOX_PORT },
    wechatBase: e.WECHAT_API_BASE.replace(/\/+$/, ''),
    ...(oaMode === 'live' ? { wechatOa: app('OA') } : {}),
    ...(modes['wechat-mp'] === 'live' ? { wechatMp: app('MP') } : {}),
    wechatOaMassTag: e.WECHAT_OA_MASS_TAG,
    ...(oaCallback ? { oaCallback } : {}),
    ...(mpCallback ? { mpCallback } : {}),
    mpTemplateKind: e.WECHAT_MP_TEMPLATE_KIND,
    ...(e.SESSION_SECRET ? { sessionSecret: e.SESSION_SECRET } : {}),
    mpPage: e.WECHAT_MP_PAGE,
    weiboBase: e.WEIBO_API_BASE.replace(/\/+$/, ''),
    ...(modes.weibo === 'live' ? { weiboToken: e.WEIBO_ACCESS_TOKEN } : {}),
    weiboServerIp: e.WEIBO_SERVER_IP ?? '127.0.0.1',
    webhooks: modes.webhook === 'live' ? { urls: e.WEBHOOK_URLS!.split(',').map((u) => u.trim()), secret: e.WEBHOOK_SECRET } : { urls: [] },
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

/** True when some account runs against the local sandbox. */
export function anySandboxAccount(config: Pick<ChannelsConfig, 'modes'>): boolean {
  return Object.values(config.modes).includes('sandbox');
}

/**
 * A template mapping from JSON, `{"thing10":"title","time5":"date",…}`, checked against the keyword
 * rules; the error names the key (never a credential: mappings hold none).
 */
export function parseMapping(raw: string): { mapping: TemplateMapping } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: 'must be a JSON object of template key → message part, e.g. {"thing10":"title","time5":"date"}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'must be a JSON object of template key → message part' };
  const problems = mappingProblems(value as Record<string, unknown>);
  if (problems.length) return { error: `is not valid: ${problems.join('; ')}` };
  return { mapping: value as TemplateMapping };
}
