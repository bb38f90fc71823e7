import { isIP } from 'node:net';
import { z } from 'zod';
import { mappingProblems, type TemplateMapping } from '../../channels/wechat/template-mapping.ts';
import { CHANNEL_MODES } from '../config-channels.ts';

const agencyCode = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be an agency code' });
const secret = (min: number, what: string) => z.string().min(min, { error: `must be ${what}` });
const mapping = z.record(z.string(), z.string()).superRefine((value, ctx) => {
  for (const problem of mappingProblems(value)) ctx.addIssue({ code: 'custom', message: problem });
});
const appId = z.string().regex(/^wx[0-9A-Za-z_-]{4,30}$/, { error: 'must be an app id starting with wx' });

const common = {
  /** The account's own id among the owner's accounts: `bj-haidian-oa`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be 2-40 lowercase letters, digits or -' }),
  mode: z.enum(CHANNEL_MODES),
  /** Other agencies whose items go out through this account (a city account carrying its districts). */
  publishesFor: z.array(agencyCode).max(200).default([]),
};

/**
 * A channel account as an admin saves it (POST /api/v1/channel-accounts, `gongkai channels
 * account save`). Secrets are write-only: they are sealed at rest and never returned.
 */
export const channelAccountInput = z
  .discriminatedUnion('channel', [
    z.object({
      channel: z.literal('wechat-oa'),
      ...common,
      appId: appId.optional(),
      templateId: z.string().min(4).optional(),
      mapping: mapping.optional(),
      secrets: z.object({ secret: secret(8, 'the app secret').optional(), token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, { error: 'must be the 3-32 letter/digit Token' }).optional(), aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, { error: 'must be the 43-character EncodingAESKey' }).optional() }).strict().default({}),
    }).strict(),
    z.object({
      channel: z.literal('wechat-mp'),
      ...common,
      appId: appId.optional(),
      templateId: z.string().min(4).optional(),
      mapping: mapping.optional(),
      secrets: z.object({ secret: secret(8, 'the app secret').optional() }).strict().default({}),
    }).strict(),
    z.object({
      channel: z.literal('weibo'),
      ...common,
      serverIp: z.string().refine((ip) => isIP(ip) !== 0, { error: 'must be an IPv4 or IPv6 address' }).optional(),
      secrets: z.object({ accessToken: secret(8, 'an OAuth2 access token').optional() }).strict().default({}),
    }).strict(),
    z.object({
      channel: z.literal('webhook'),
      ...common,
      urls: z.array(z.url({ protocol: /^https?$/ })).max(20).optional(),
      secrets: z.object({ secret: secret(16, 'at least 16 characters').optional() }).strict().default({}),
    }).strict(),
  ]);

/** What `live` needs, per channel: checked after stored secrets are merged, each missing one named. */
export const LIVE_NEEDS: Record<string, string[]> = {
  'wechat-oa': ['appId', 'templateId', 'mapping', 'secrets.secret', 'secrets.token'],
  'wechat-mp': ['appId', 'templateId', 'mapping', 'secrets.secret'],
  weibo: ['serverIp', 'secrets.accessToken'],
  webhook: ['urls', 'secrets.secret'],
};

export type ChannelAccountInput = z.output<typeof channelAccountInput>;
export type AccountMapping = TemplateMapping;

export const accountParams = z.object({ channel: z.enum(['wechat-oa', 'wechat-mp', 'weibo', 'webhook']), id: common.id }).strict();
