import { describe, expect, it } from 'vitest';
import { msUntilChinaMidnight } from '../../channels/wechat/errors.ts';
import { createWechatOaChannel, stableId } from '../../channels/wechat/wechat-oa.channel.ts';
import { createMassBudget } from '../../core/wechat-state/mass-budget.ts';
import { connectTestDb } from '../helpers/db.ts';
import { OA_KEYS, SENDALL_PATH, TEMPLATE_PATH, channelError, client, message, newApp, openid, sent, tokenStore, wechatSandbox } from './wechat-helpers.ts';

// The sandbox's own clock: a repeated mass send is 45066 within a minute of the first.
let sandboxNow = Date.now();
const sandbox = await wechatSandbox({ now: () => sandboxNow });
const db = await connectTestDb('wechat_oa');
const store = tokenStore(db);
const budget = createMassBudget(db);
// 23:30 in Beijing: the daily quota resets in 30 minutes.
const clock = () => new Date('2026-11-27T15:30:00Z');

function setup(extra: { miniProgramAppId?: string; keys?: string[] } = {}) {
  const app = newApp(sandbox, 'oa', extra.keys);
  const user = openid();
  sandbox.wechat.addFollower(app.appid, user, { tags: ['海淀区住房'] });
  const channel = createWechatOaChannel({
    client: client(sandbox, app, store),
    templateId: app.templateId,
    massBudget: budget,
    clock,
    ...(extra.miniProgramAppId ? { miniProgramAppId: extra.miniProgramAppId } : {}),
  });
  return { app, user, channel, recipient: { id: `sub-${user}`, address: user }, tagId: sandbox.wechat.createTag(app.appid, '海淀区住房') };
}

describe('wechat-oa template notices', () => {
  it('sends the exact payload: truncated title, China time, stable client_msg_id, url; msgid as a string', async () => {
    const { app, user, channel, recipient } = setup();
    const title = '关于海淀区二〇二六年第三批公共租赁住房及共有产权住房配租配售分配结果公示（更正）';
    expect([...title].length).toBe(40);
    const msg = message({ title, publishedAt: new Date('2026-11-20T01:05:00Z') });
    const result = await channel.send(msg, recipient);
    const [entry, ...more] = sent(sandbox, 'wechat-oa', TEMPLATE_PATH, user);
    expect(more).toHaveLength(0);
    expect(entry?.body).toEqual({
      touser: user,
      template_id: app.templateId,
      url: msg.url,
      client_msg_id: stableId(msg.key, recipient.id),
      data: {
        thing1: { value: '关于海淀区二〇二六年第三批公共租赁住房…' },
        thing2: { value: '北京市海淀区住房和城乡建设委员会' },
        thing3: { value: '分配结果' },
        time4: { value: '2026年11月20日 09:05' },
      },
    });
    expect([...(entry?.body as { data: { thing1: { value: string } } }).data.thing1.value]).toHaveLength(20);
    expect(result.externalId).toBe(entry?.externalId);
    expect(BigInt(result.externalId ?? 0) > 2n ** 53n).toBe(true);
    expect(Object.keys((entry?.body as { data: object }).data)).toEqual(OA_KEYS);
  });

  it('adds the mini-program jump when configured, and notes a correction after the item type', async () => {
    const { user, channel, recipient } = setup({ miniProgramAppId: 'wx-sandbox-mp' });
    const msg = message({ kind: 'correct', miniProgramPage: 'pages/detail/detail?id=abc' });
    await channel.send(msg, recipient);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, user)[0]?.body).toMatchObject({
      url: msg.url,
      miniprogram: { appid: 'wx-sandbox-mp', pagepath: 'pages/detail/detail?id=abc' },
      data: { thing3: { value: '分配结果（已更正）' } },
    });
    const plain = setup();
    await plain.channel.send(msg, plain.recipient);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, plain.user)[0]?.body).not.toHaveProperty('miniprogram');
  });

  it('keeps client_msg_id across a retry (-1), so the sandbox records one delivery', async () => {
    const { user, channel, recipient } = setup();
    const msg = message();
    await channel.send(msg, recipient); // the token is fetched before the fault
    sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, errcode: -1, count: 1 });
    const next = message();
    await channelError(channel.send(next, recipient), '-1', 'retry');
    const first = await channel.send(next, recipient);
    const second = await channel.send(next, recipient); // e.g. the engine retried after a lost answer
    expect(second).toEqual(first);
    const bodies = sent(sandbox, 'wechat-oa', TEMPLATE_PATH, user).map((e) => e.body as { client_msg_id: string });
    expect(bodies.map((b) => b.client_msg_id)).toEqual([stableId(msg.key, recipient.id), stableId(next.key, recipient.id)]);
  });

  it('maps HTTP 503 and a timeout to retry', async () => {
    const { channel, recipient, app } = setup();
    await channel.send(message(), recipient);
    sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, http: 503, count: 1 });
    await channelError(channel.send(message(), recipient), 'http-503', 'retry');
    const slow = createWechatOaChannel({ client: client(sandbox, app, store, 200), templateId: app.templateId });
    sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, latencyMs: 1_000, count: 1 });
    await channelError(slow.send(message(), recipient), 'timeout', 'retry');
  });

  it('skips unknown (40003) and unfollowed (43004) recipients', async () => {
    const { app, user, channel, recipient } = setup();
    await channelError(channel.send(message(), { id: 'sub-x', address: 'o-not-a-follower' }), '40003', 'skip-recipient');
    sandbox.wechat.unfollow(app.appid, user);
    await channelError(channel.send(message(), recipient), '43004', 'skip-recipient');
  });

  it('fails on an unknown template (40037) and on data the template refuses (47003)', async () => {
    const { channel, recipient } = setup();
    await channelError(channel.send(message(), { ...recipient, templateId: 'tpl-unknown' }), '40037', 'fail');
    const strict = setup({ keys: [...OA_KEYS, 'phrase5'] });
    const error = await channelError(strict.channel.send(message(), strict.recipient), '47003', 'fail');
    expect(error.message).toContain('data.phrase5');
  });

  it('pauses the channel on the daily quota (45009) until 00:00 China time', async () => {
    const { app, channel, recipient } = setup();
    sandbox.wechat.setQuota(app.appid, TEMPLATE_PATH, 0);
    const error = await channelError(channel.send(message(), recipient), '45009', 'pause-channel');
    expect(error.retryAfterMs).toBe(30 * 60_000);
    expect(msUntilChinaMidnight(new Date('2026-11-27T16:00:00Z'))).toBe(24 * 3_600_000);
    expect(msUntilChinaMidnight(new Date('2026-11-27T15:59:59Z'))).toBe(1_000);
  });
});

describe('wechat-oa mass send by tag', () => {
  it('sends title, summary and url as text to the tag; a repeat is 45066 (retry later) within a minute, then 45065 answering the existing msg_id', async () => {
    const { app, channel, tagId } = setup();
    const msg = message();
    const first = await channel.massSendByTag(msg, tagId);
    const tooSoon = await channelError(channel.massSendByTag(msg, tagId), '45066', 'retry');
    expect(tooSoon.retryAfterMs).toBe(60_000);
    sandboxNow += 60_000;
    const again = await channel.massSendByTag(msg, tagId);
    expect(again).toEqual(first);
    const entries = sandbox.outbox.list('wechat-oa').filter((e) => e.path === SENDALL_PATH && e.externalId === first.externalId);
    expect(entries.map((e) => e.body)).toEqual([
      {
        filter: { is_to_all: false, tag_id: tagId },
        msgtype: 'text',
        text: { content: `${msg.title}\n${msg.summary}\n${msg.url}` },
        clientmsgid: stableId('mass', msg.key, String(tagId)),
      },
    ]);
    expect(sandbox.wechat.massJobs(app.appid)).toHaveLength(1);
    expect(await db.collection('wechat_mass_budget').countDocuments({ appId: app.appid })).toBe(1);
  });

  it('allows 4 broadcasts a month and refuses the 5th clearly, before calling WeChat', async () => {
    const { app, channel, tagId } = setup();
    for (let i = 0; i < 4; i++) await channel.massSendByTag(message(), tagId);
    const error = await channelError(channel.massSendByTag(message(), tagId), 'mass-budget-spent', 'fail');
    expect(error.message).toContain('本月群发次数已用完（4/4，2026-11）');
    expect(error.message).toContain('monthly mass-send budget is spent');
    expect(sandbox.wechat.massJobs(app.appid)).toHaveLength(4);
  });

  it('gives the month back when WeChat refuses the send (45028 pauses the channel)', async () => {
    const { app, channel, tagId } = setup();
    sandbox.wechat.faults.inject({ path: SENDALL_PATH, errcode: 45028, count: 1 });
    await channelError(channel.massSendByTag(message(), tagId), '45028', 'pause-channel');
    expect(await db.collection('wechat_mass_budget').countDocuments({ appId: app.appid })).toBe(0);
  });

  it('does not let two concurrent reservations at the limit both win', async () => {
    const at = new Date('2026-11-27T03:00:00Z');
    for (const key of ['a', 'b', 'c']) expect(await budget.reserve('wx-race', key, at)).toMatchObject({ ok: true });
    const [x, y] = await Promise.all([budget.reserve('wx-race', 'd', at), budget.reserve('wx-race', 'e', at)]);
    expect([x.ok, y.ok].sort()).toEqual([false, true]);
    expect(await budget.reserve('wx-race', 'a', at)).toMatchObject({ ok: true, used: 4 }); // same key: no second use
    // December in China starts at 16:00 UTC on 30 November.
    expect(await budget.reserve('wx-race', 'f', new Date('2026-11-30T16:00:00Z'))).toMatchObject({ ok: true, used: 1, month: '2026-12' });
  });
});
