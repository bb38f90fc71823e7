import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createWechatOaChannel } from '../../channels/wechat/wechat-oa.channel.ts';
import { connectDb } from '../../core/db.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { testDbSettings } from '../helpers/db.ts';
import { TEMPLATE_PATH, channelError, client, message, newApp, openid, sent, tokenStore, wechatSandbox } from './wechat-helpers.ts';

const sandbox = await wechatSandbox();
// Two "processes": two connections of their own to one test database.
const settings = testDbSettings('wechat_token');
const [dbA, dbB] = [await connectDb(settings), await connectDb(settings)];
afterAll(async () => {
  await dbA.dropDatabase().catch(() => undefined);
  await Promise.all([dbA.close(), dbB.close()]);
});
const [storeA, storeB] = [tokenStore(dbA), tokenStore(dbB)];

function oaChannelFor(store = storeA) {
  const app = newApp(sandbox, 'oa');
  const users = [openid(), openid(), openid()];
  for (const u of users) sandbox.wechat.addFollower(app.appid, u);
  const make = (s = store) => createWechatOaChannel({ client: client(sandbox, app, s), templateId: app.templateId });
  return { app, users, channel: make(), make };
}
const recipient = (address: string) => ({ id: `sub-${address}`, address });

describe('shared WeChat access token', () => {
  it('a token fetch from an address outside the account’s IP whitelist is 40164, which fails the send without retry', async () => {
    const { app, users, channel } = oaChannelFor(tokenStore(dbA, 'wechat_tokens_whitelist'));
    sandbox.wechat.setIpWhitelist(app.appid, ['203.0.113.9']);
    const error = await channelError(channel.send(message(), recipient(users[0]!)), '40164', 'fail');
    expect(error.message).toMatch(/not in whitelist/);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, users[0])).toEqual([]);
    // Once the server's address is whitelisted, the same channel sends.
    sandbox.wechat.setIpWhitelist(app.appid, ['203.0.113.9', '127.0.0.1']);
    expect((await channel.send(message(), recipient(users[0]!))).externalId).toMatch(/^\d+$/);
  });

  it('two processes sending concurrently fetch the token once (one stable_token call, no /cgi-bin/token)', async () => {
    const { app, users, make } = oaChannelFor();
    const [a, b] = [make(storeA), make(storeB)];
    const sends = users.flatMap((u) => [a.send(message(), recipient(u)), b.send(message(), recipient(u))]);
    const results = await Promise.all(sends);
    expect(results.every((r) => /^\d{19}$/.test(r.externalId ?? ''))).toBe(true);
    expect(sandbox.wechat.tokenFetches(app.appid)).toEqual({ token: 0, stableToken: 1 });
    expect(await dbA.collection('wechat_tokens').findOne({ _id: app.appid as never })).toMatchObject({
      accessToken: expect.any(String),
      expiresAt: expect.any(Date),
    });
  });

  it('an expired token (42001) is dropped, fetched once more and the send retried once', async () => {
    const { app, users, channel } = oaChannelFor();
    await channel.send(message(), recipient(users[0] as string));
    sandbox.wechat.expireTokens(app.appid);
    await expect(channel.send(message(), recipient(users[1] as string))).resolves.toEqual({ externalId: expect.any(String) });
    expect(sandbox.wechat.tokenFetches(app.appid).stableToken).toBe(2);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, users[1])).toHaveLength(1);
  });

  it('a revoked token (40001) is refreshed once and the send retried once; the other process picks up the new token', async () => {
    const { app, users, make } = oaChannelFor();
    const [a, b] = [make(storeA), make(storeB)];
    await a.send(message(), recipient(users[0] as string));
    sandbox.wechat.revokeTokens(app.appid);
    await a.send(message(), recipient(users[1] as string));
    await b.send(message(), recipient(users[2] as string));
    expect(sandbox.wechat.tokenFetches(app.appid)).toEqual({ token: 0, stableToken: 2 });
  });

  it('a second 40001 after the one retry surfaces as an error that pauses the channel', async () => {
    const { app, users, channel } = oaChannelFor();
    sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, errcode: 40001, count: 2 });
    const error = await channelError(channel.send(message(), recipient(users[0] as string)), '40001', 'pause-channel');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, users[0])).toHaveLength(0);
    await expect(channel.send(message(), recipient(users[0] as string))).resolves.toBeDefined();
    // The first fetch, and one after the first 40001 (stable_token then returns the same token).
    expect(sandbox.wechat.tokenFetches(app.appid).stableToken).toBe(2);
  });

  it('a wrong secret fails the token fetch with a config error (40125, fail), not a retry loop', async () => {
    const { app, users } = oaChannelFor();
    const channel = createWechatOaChannel({ client: client(sandbox, { ...app, secret: 'wrong' }, storeA), templateId: app.templateId });
    await channelError(channel.send(message(), recipient(users[0] as string)), '40125', 'fail');
    expect(sandbox.wechat.tokenFetches(app.appid).stableToken).toBe(1);
  });

  it('a failing token endpoint (-1) is a retry', async () => {
    const { users, channel } = oaChannelFor();
    sandbox.wechat.faults.inject({ path: '/cgi-bin/stable_token', errcode: -1, count: 1 });
    await channelError(channel.send(message(), recipient(users[0] as string)), '-1', 'retry');
    await expect(channel.send(message(), recipient(users[0] as string))).resolves.toBeDefined();
  });
});

describe('the Mongo token store', () => {
  const fetcher = (token: string, expiresInSeconds = 7200) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      await sleep(50); // a slow fetch, so the others really have to wait for it
      return { accessToken: token, expiresInSeconds };
    };
    return { fetch, calls: () => calls };
  };

  it('N concurrent callers in separate stores on two connections, with no token yet, get one fetch', async () => {
    const f = fetcher('tok-1');
    const stores = Array.from({ length: 8 }, (_, i) => createMongoTokenStore(i % 2 ? dbA : dbB, { pollMs: 10 }));
    const tokens = await Promise.all(stores.map((store) => store.get('wx-lease', f.fetch)));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(f.calls()).toBe(1);
    expect(await dbB.collection('wechat_tokens_leases').countDocuments()).toBe(0);
  });

  it('a token due for refresh is fetched once by N processes, which keep using the current one meanwhile', async () => {
    let at = Date.parse('2026-11-27T02:00:00Z');
    const stores = Array.from({ length: 8 }, (_, i) => createMongoTokenStore(i % 2 ? dbA : dbB, { pollMs: 10, now: () => at }));
    expect(await stores[0]?.get('wx-due', fetcher('first').fetch)).toBe('first');
    at += (7200 - 600) * 1000 + 1; // ten minutes before expiry: due
    const next = fetcher('second');
    const tokens = await Promise.all(stores.map((store) => store.get('wx-due', next.fetch)));
    expect(next.calls()).toBe(1);
    expect(tokens.every((t) => t === 'first' || t === 'second')).toBe(true);
    expect(await stores[5]?.get('wx-due', next.fetch)).toBe('second');
    expect(next.calls()).toBe(1);
  });

  it('invalidate drops the token only while it is still that token', async () => {
    const a = createMongoTokenStore(dbA, { cacheMs: 0 });
    const b = createMongoTokenStore(dbB, { cacheMs: 0 });
    expect(await a.get('wx-inv', fetcher('old').fetch)).toBe('old');
    await b.invalidate('wx-inv', 'old');
    const next = fetcher('new');
    expect(await a.get('wx-inv', next.fetch)).toBe('new');
    await b.invalidate('wx-inv', 'old'); // late report about the old token: no effect
    expect(await b.get('wx-inv', fetcher('newer').fetch)).toBe('new');
    expect(next.calls()).toBe(1);
  });

  it('does not refetch on every call a token fetched with less than the margin left (stable_token last minutes)', async () => {
    const a = createMongoTokenStore(dbA, { cacheMs: 0 });
    expect(await a.get('wx-short', fetcher('short', 400).fetch)).toBe('short'); // under the 10-minute margin
    const again = fetcher('short', 340);
    // stable_token answers the same token in its last minutes: no refetch on every call.
    for (let i = 0; i < 5; i++) expect(await a.get('wx-short', again.fetch)).toBe('short');
    expect(again.calls()).toBe(0);
  });

  it('a failed fetch releases the lease so the next caller can fetch', async () => {
    const a = createMongoTokenStore(dbA);
    await expect(a.get('wx-fail', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await a.get('wx-fail', fetcher('after').fetch)).toBe('after');
  });
});
