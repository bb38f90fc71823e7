import { describe, expect, it } from 'vitest';
import { WechatCallError, toChannelError } from '../../channels/wechat/errors.ts';
import { characterString, chinaTime, mpTemplateData, name, oaTemplateData, oneLine, phrase, thing, truncate } from '../../channels/wechat/template-data.ts';
import { createWechatMpChannel } from '../../channels/wechat/wechat-mp.channel.ts';
import { connectTestDb } from '../helpers/db.ts';
import { MP_KEYS, SUBSCRIBE_PATH, channelError, client, message, newApp, openid, sent, tokenStore, wechatSandbox } from './wechat-helpers.ts';

const sandbox = await wechatSandbox();
const db = await connectTestDb('wechat_mp');
const store = tokenStore(db);
const clock = () => new Date('2026-11-27T15:30:00Z'); // 23:30 in Beijing

function setup(options: { page?: string; keys?: string[]; longTerm?: boolean } = {}) {
  const app = newApp(sandbox, 'mp', options.keys, options.longTerm ? 'long-term' : 'one-time');
  const user = openid('mp');
  sandbox.wechat.addSubscriber(app.appid, user);
  const wechat = client(sandbox, app, store);
  const channel = createWechatMpChannel({ client: wechat, templateId: app.templateId, clock, ...(options.page ? { page: options.page } : {}) });
  return { app, user, wechat, channel, recipient: { id: `sub-${user}`, address: user } };
}

describe('wechat-mp subscribe messages', () => {
  it('sends the exact payload: title, agency, China time, kind note, page', async () => {
    const { app, user, channel, recipient } = setup({ page: 'pages/index/index' });
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'one-time', 2);
    const msg = message({ kind: 'correct', miniProgramPage: 'pages/detail/detail?id=42' });
    const result = await channel.send(msg, recipient);
    const [entry] = sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user);
    expect(entry?.body).toEqual({
      touser: user,
      template_id: app.templateId,
      page: 'pages/detail/detail?id=42',
      data: {
        thing1: { value: '海淀区2026年第三批公共租赁住房分配…' },
        thing2: { value: '北京市海淀区住房和城乡建设委员会' },
        time3: { value: '2026年11月20日 09:05' },
        thing4: { value: '已更正：分配结果' },
      },
    });
    expect(result).toEqual({ externalId: entry?.externalId });
    expect(result.externalId).toMatch(/^\d{19}$/);
    const { miniProgramPage: _none, ...withoutPage } = message({ kind: 'withdraw' });
    await channel.send(withoutPage, recipient);
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)[1]?.body).toMatchObject({
      page: 'pages/index/index',
      data: { thing4: { value: '已撤回：分配结果' } },
    });
  });

  it('uses up a one-time consent: the second send is 43101 → skip-recipient', async () => {
    const { app, user, channel, recipient } = setup();
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'one-time');
    await channel.send(message(), recipient);
    await channelError(channel.send(message(), recipient), '43101', 'skip-recipient');
    expect(sandbox.wechat.consents(app.appid, user)).toEqual([{ openid: user, templateId: app.templateId, oneTime: 0, longTerm: false }]);
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)).toHaveLength(1);
  });

  it('does not use up a long-term grant', async () => {
    const { app, user, channel, recipient } = setup({ longTerm: true });
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'long-term');
    for (let i = 0; i < 3; i++) await channel.send(message(), recipient);
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)).toHaveLength(3);
    expect(sandbox.wechat.consents(app.appid, user)[0]).toMatchObject({ longTerm: true });
  });

  it('serialises concurrent sends to one openid and uses each credit once', async () => {
    const { app, user, channel, recipient } = setup();
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'one-time', 2);
    const results = await Promise.allSettled([1, 2, 3].map(() => channel.send(message(), recipient)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: '43101', action: 'skip-recipient' });
  });

  it('maps 40003 to skip, 40037 and 47003 to fail, 45009 to pause until China midnight, -1 and 503 to retry', async () => {
    const { app, user, channel, recipient } = setup({ longTerm: true });
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'long-term');
    await channelError(channel.send(message(), { id: 'x', address: 'o-unknown' }), '40003', 'skip-recipient');
    await channelError(channel.send(message(), { ...recipient, templateId: 'tpl-unknown' }), '40037', 'fail');
    sandbox.wechat.faults.inject({ path: SUBSCRIBE_PATH, errcode: -1, count: 1 });
    await channelError(channel.send(message(), recipient), '-1', 'retry');
    sandbox.wechat.faults.inject({ path: SUBSCRIBE_PATH, http: 503, count: 1 });
    await channelError(channel.send(message(), recipient), 'http-503', 'retry');
    sandbox.wechat.setQuota(app.appid, SUBSCRIBE_PATH, 0);
    const paused = await channelError(channel.send(message(), recipient), '45009', 'pause-channel');
    expect(paused.retryAfterMs).toBe(30 * 60_000);
    const strict = setup({ keys: [...MP_KEYS, 'character_string5'], longTerm: true });
    sandbox.wechat.grantConsent(strict.app.appid, strict.user, strict.app.templateId, 'long-term');
    const error = await channelError(strict.channel.send(message(), strict.recipient), '47003', 'fail');
    expect(error.message).toContain('data.character_string5');
  });

  it('logs users in with code2Session (single-use codes: a reused one is 40163 → fail)', async () => {
    const { app, wechat } = setup();
    sandbox.wechat.issueCode(app.appid, 'js-code-1', 'o-login-1', 'union-1');
    expect(await wechat.code2Session('js-code-1')).toEqual({ openid: 'o-login-1', sessionKey: expect.any(String), unionid: 'union-1' });
    const error = await wechat.code2Session('js-code-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatCallError);
    expect(toChannelError('wechat-mp', error)).toMatchObject({ code: '40163', action: 'fail' });
  });
});

describe('template data within the keyword rules', () => {
  it('truncates by characters, not bytes, with …, and strips line breaks', () => {
    const forty = '一二三四五六七八九十'.repeat(4);
    expect(thing(forty)).toBe(`${'一二三四五六七八九十'.repeat(2).slice(0, 19)}…`);
    expect([...thing(forty)]).toHaveLength(20);
    expect(thing('abc'.repeat(10))).toBe(`${'abc'.repeat(10).slice(0, 19)}…`);
    expect(thing('第一行\r\n第二行\t  第三行')).toBe('第一行 第二行 第三行');
    expect(thing('   ')).toBe('—');
    expect(truncate('𠀀'.repeat(25), 20)).toBe(`${'𠀀'.repeat(19)}…`); // astral characters count once
    expect(oneLine(' a\n\nb ')).toBe('a b');
  });

  it('keeps name, phrase and character_string within their types', () => {
    expect(name('欧阳一二三四五六七八九')).toBe('欧阳一二三四五六七…');
    expect(name('Zhang San 3rd')).toBe('Zhang San rd');
    expect(phrase('已更正 OK 公示')).toBe('已更正公示');
    expect(phrase('新公开了一个事项')).toBe('新公开了一');
    expect(characterString('HD2026-0001 号/甲'.repeat(3))).toBe('HD2026-0001/HD2026-0001/HD2026-0');
  });

  it('formats times in China time as YYYY年M月D日 HH:mm', () => {
    expect(chinaTime(new Date('2026-12-31T16:30:00Z'))).toBe('2027年1月1日 00:30');
    expect(chinaTime(new Date('2026-03-05T01:05:00Z'))).toBe('2026年3月5日 09:05');
  });

  it('builds both templates with the keys the sandbox checks', () => {
    const long = message({ title: '标'.repeat(40), agencyName: '机'.repeat(30), itemTypeName: '类'.repeat(30), kind: 'withdraw' });
    const oa = oaTemplateData(long);
    expect(Object.keys(oa)).toEqual(['thing1', 'thing2', 'thing3', 'time4']);
    expect(oa.thing3?.value).toBe(`${'类'.repeat(14)}…（已撤回）`);
    expect(Object.values(oa).every((v) => [...v.value].length <= 20)).toBe(true);
    const mp = mpTemplateData(long);
    expect(Object.keys(mp)).toEqual(MP_KEYS);
    expect(mp.thing4?.value).toBe(`已撤回：${'类'.repeat(15)}…`);
  });
});
