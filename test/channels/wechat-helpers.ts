import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { afterAll, expect } from 'vitest';
import { startSandbox, type Sandbox } from '../../channels/sandbox/server.ts';
import type { WechatSandboxOptions } from '../../channels/sandbox/wechat/wechat-sandbox.ts';
import { ChannelError, type ChannelId, type OutgoingMessage, type TokenStore } from '../../channels/types.ts';
import { WechatClient } from '../../channels/wechat/wechat-client.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';

export const OA_KEYS = ['thing1', 'thing2', 'thing3', 'time4'];
export const MP_KEYS = ['thing1', 'thing2', 'time3', 'thing4'];
export const TEMPLATE_PATH = '/cgi-bin/message/template/send';
export const SUBSCRIBE_PATH = '/cgi-bin/message/subscribe/send';
export const SENDALL_PATH = '/cgi-bin/message/mass/sendall';

/** The shared sandbox server (WeChat, Weibo, webhook receiver), closed after the file. */
export async function wechatSandbox(options?: WechatSandboxOptions): Promise<Sandbox> {
  const sandbox = await startSandbox(options ? { wechat: options } : {});
  afterAll(() => sandbox.close());
  return sandbox;
}

/** A fresh app of its own per test (its own tokens, users, quotas), with its template registered. */
export function newApp(sandbox: Sandbox, kind: 'oa' | 'mp', keys = kind === 'oa' ? OA_KEYS : MP_KEYS, templateKind: 'one-time' | 'long-term' = 'one-time') {
  const appid = `wx-${kind}-${randomBytes(5).toString('hex')}`;
  const secret = `secret-${randomBytes(8).toString('hex')}`;
  const templateId = `tpl-${kind}-${randomBytes(4).toString('hex')}`;
  sandbox.wechat.registerApp({ appid, secret, kind });
  sandbox.wechat.registerTemplate(appid, templateId, keys, undefined, templateKind);
  return { appid, secret, templateId };
}

export function client(sandbox: Sandbox, app: { appid: string; secret: string }, tokenStore: TokenStore, timeoutMs = 5_000) {
  return new WechatClient({ appId: app.appid, secret: app.secret, baseUrl: sandbox.url, tokenStore, timeoutMs });
}

/** A token store on the test database; a collection of its own keeps test files apart. */
export function tokenStore(db: Connection, collection = 'wechat_tokens'): TokenStore {
  return createMongoTokenStore(db, { collection, pollMs: 20 });
}

export function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const id = randomBytes(6).toString('hex');
  return {
    key: `${id}:1`,
    disclosureId: id,
    revision: 1,
    kind: 'publish',
    title: '海淀区2026年第三批公共租赁住房分配结果公示',
    summary: '永丰家园公共租赁住房分配结果，公示期10个工作日。',
    url: `https://gongkai.example.gov.cn/d/${id}`,
    agencyName: '北京市海淀区住房和城乡建设委员会',
    field: 'housing',
    fieldName: '住房保障',
    itemType: 'allocation-result',
    itemTypeName: '分配结果',
    region: '110108',
    publishedAt: new Date('2026-11-20T01:05:00Z'),
    document: {},
    ...overrides,
  };
}

/** What the sandbox accepted on one path for one recipient (or all). */
export function sent(sandbox: Sandbox, channel: ChannelId, path: string, touser?: string) {
  return sandbox.outbox
    .list(channel)
    .filter((e) => e.path === path && (!touser || (e.body as { touser?: string }).touser === touser));
}

/** The ChannelError a promise rejects with, checked for code and action. */
export async function channelError(promise: Promise<unknown>, code: string, action: ChannelError['action']): Promise<ChannelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelError);
  expect(error).toMatchObject({ code, action });
  return error as ChannelError;
}

export const openid = (label = 'user') => `o${label}-${randomBytes(6).toString('hex')}`;
