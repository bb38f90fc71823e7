import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTemplates } from '../../core/channel-accounts/check-templates.ts';
import { aesKeyFrom, callbackSignature, decryptMessage } from '../../core/wechat-callback/crypto.ts';
import { parsePushXml } from '../../core/wechat-callback/xml.ts';
import { createWechatMpChannel } from '../../channels/wechat/wechat-mp.channel.ts';
import { createWechatOaChannel } from '../../channels/wechat/wechat-oa.channel.ts';
import { connectTestDb } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { SENDALL_PATH, SUBSCRIBE_PATH, channelError, client, message, newApp, openid, sent, tokenStore, wechatSandbox } from './wechat-helpers.ts';

const sandbox = await wechatSandbox();
const db = await connectTestDb('wechat_sandbox_pushes');
const store = tokenStore(db, 'wechat_tokens_pushes');

/** A stand-in callback that keeps what WeChat (the sandbox) posted. */
const received: { query: URLSearchParams; body: string; type: string }[] = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    received.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, body, type: String(req.headers['content-type']) });
    res.end('success');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/cb`;
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
const TOKEN = 'pushtoken';
const pushesTo = (user: string) => received.filter((r) => r.query.get('openid') === user);

describe('long-term consent in the mini-program sandbox', () => {
  it('is granted only for a template registered long-term, and the template list says which is which', async () => {
    const oneTime = newApp(sandbox, 'mp');
    const user = openid('lt');
    expect(() => sandbox.wechat.grantConsent(oneTime.appid, user, oneTime.templateId, 'long-term')).toThrow(/not a long-term/);
    const refused = await fetch(`${sandbox.url}/sandbox/admin/wechat/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: oneTime.appid, openid: user, templateId: oneTime.templateId, kind: 'long-term' }),
    });
    expect(refused.status).toBe(409);
    expect(sandbox.wechat.consents(oneTime.appid, user)).toEqual([]);

    sandbox.wechat.registerTemplate(oneTime.appid, 'tpl-long', ['thing1', 'thing2', 'time3', 'thing4'], '公开提醒', 'long-term');
    sandbox.wechat.grantConsent(oneTime.appid, user, 'tpl-long', 'long-term');
    expect(sandbox.wechat.consents(oneTime.appid, user)).toEqual([{ openid: user, templateId: 'tpl-long', oneTime: 0, longTerm: true }]);
    // gettemplate's type (2 one-time, 3 long-term), read by `channels check`.
    const list = await client(sandbox, oneTime, store).listTemplates('mp');
    expect(Object.fromEntries(list.map((t) => [t.id, t.kind]))).toEqual({ [oneTime.templateId]: 'one-time', 'tpl-long': 'long-term' });
    // `channels check` names a template configured long-term that the platform has as one-time.
    const mapping = { thing1: 'title', thing2: 'agency', time3: 'date', thing4: 'change' } as const;
    const account = (templateId: string) => ({ channel: 'wechat-mp' as const, mode: 'live' as const, client: client(sandbox, oneTime, store), templateId, mapping, kind: 'long-term' as const });
    const checked = await checkTemplates({ templates: [account(oneTime.templateId), account('tpl-long')] });
    expect(checked.accounts.map((a) => [a.templateId, a.ok, a.kindMismatch])).toEqual([
      [oneTime.templateId, false, { configured: 'long-term', template: 'one-time' }],
      ['tpl-long', true, undefined],
    ]);
  });

  it('switched off by the user: sends are 43101 and subscribe_msg_change_event (reject) is pushed, signed', async () => {
    const app = newApp(sandbox, 'mp', undefined, 'long-term');
    const user = openid('off');
    sandbox.wechat.addSubscriber(app.appid, user);
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'long-term');
    sandbox.wechat.setCallback(app.appid, { url: receiverUrl, token: TOKEN, ghId: 'gh_mp_sandbox' });
    const channel = createWechatMpChannel({ client: client(sandbox, app, store), templateId: app.templateId });
    const recipient = { id: user, address: user };
    await channel.send(message(), recipient);

    const push = await sandbox.wechat.switchOffConsent(app.appid, user, app.templateId);
    expect(push).toMatchObject({ event: 'subscribe_msg_change_event', status: 200, body: 'success' });
    const [got] = pushesTo(user);
    const q = got!.query;
    expect(q.get('signature')).toBe(callbackSignature(TOKEN, q.get('timestamp')!, q.get('nonce')!));
    const fields = parsePushXml(got!.body);
    expect(fields).toMatchObject({
      ToUserName: 'gh_mp_sandbox',
      FromUserName: user,
      MsgType: 'event',
      Event: 'subscribe_msg_change_event',
      SubscribeMsgChangeEvent: { List: { TemplateId: app.templateId, SubscribeStatusString: 'reject' } },
    });
    await channelError(channel.send(message(), recipient), '43101', 'skip-recipient');
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)).toHaveLength(1);
  });

  it('pushes JSON when the callback is set to JSON, encrypted in safe mode', async () => {
    const app = newApp(sandbox, 'mp', undefined, 'long-term');
    const user = openid('json');
    const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    sandbox.wechat.setCallback(app.appid, { url: receiverUrl, token: TOKEN, aesKey, format: 'json' });
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'long-term');
    await sandbox.wechat.switchOffConsent(app.appid, user, app.templateId);
    const [got] = pushesTo(user);
    expect(got!.type).toContain('application/json');
    expect(got!.query.get('encrypt_type')).toBe('aes');
    const envelope = JSON.parse(got!.body) as { Encrypt: string };
    expect(got!.query.get('msg_signature')).toBe(callbackSignature(TOKEN, got!.query.get('timestamp')!, got!.query.get('nonce')!, envelope.Encrypt));
    const inner = JSON.parse(decryptMessage(aesKeyFrom(aesKey), app.appid, envelope.Encrypt));
    expect(inner).toMatchObject({ FromUserName: user, Event: 'subscribe_msg_change_event', SubscribeMsgChangeEvent: { List: { TemplateId: app.templateId, SubscribeStatusString: 'reject' } } });
    expect(typeof inner.CreateTime).toBe('number');
  });
});

describe('43108: one subscribe message per openid at a time', () => {
  it('refuses a second send for the openid while the first is in flight, from another client and process', async () => {
    const app = newApp(sandbox, 'mp', undefined, 'long-term');
    const user = openid('race');
    sandbox.wechat.addSubscriber(app.appid, user);
    sandbox.wechat.grantConsent(app.appid, user, app.templateId, 'long-term');
    // Two channels with their own clients: what two worker processes are. Each serialises only its own sends.
    const [a, b] = [client(sandbox, app, store), client(sandbox, app, store)];
    // Tokens first, so that the two sends race each other, not the token fetch.
    await a.listTemplates('mp');
    await b.listTemplates('mp');
    const channels = [a, b].map((c) => createWechatMpChannel({ client: c, templateId: app.templateId }));
    sandbox.wechat.faults.inject({ path: SUBSCRIBE_PATH, latencyMs: 1_500, count: 1 });
    const results = await Promise.allSettled(channels.map((channel) => channel.send(message(), { id: user, address: user })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: '43108', action: 'retry' });
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)).toHaveLength(1);
    // Once the first is answered the openid is free again; another openid was never blocked.
    await channels[1]!.send(message(), { id: user, address: user });
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, user)).toHaveLength(2);
  });
});

describe('job-finish pushes to the official account callback', () => {
  it('TEMPLATESENDJOBFINISH after each accepted template send: success, user block, system failed; MsgID 0 with client_msg_id when set so', async () => {
    const app = newApp(sandbox, 'oa');
    sandbox.wechat.setCallback(app.appid, { url: receiverUrl, token: TOKEN });
    const channel = createWechatOaChannel({ client: client(sandbox, app, store), templateId: app.templateId });
    const users = { ok: openid('ok'), block: openid('block'), sys: openid('sys') };
    for (const user of Object.values(users)) sandbox.wechat.addFollower(app.appid, user);
    sandbox.wechat.setTemplateOutcome(app.appid, users.block, 'user-block');
    sandbox.wechat.setTemplateOutcome(app.appid, users.sys, 'system-failed');
    const ids: Record<string, string | undefined> = {};
    for (const [name, user] of Object.entries(users)) ids[name] = (await channel.send(message(), { id: user, address: user })).externalId;
    await sandbox.wechat.settlePushes();
    const finish = (user: string) => pushesTo(user).map((r) => parsePushXml(r.body));
    expect(finish(users.ok)).toEqual([expect.objectContaining({ Event: 'TEMPLATESENDJOBFINISH', MsgID: ids.ok, Status: 'success', FromUserName: users.ok })]);
    expect(finish(users.block)).toEqual([expect.objectContaining({ MsgID: ids.block, Status: 'failed:user block' })]);
    expect(finish(users.sys)).toEqual([expect.objectContaining({ MsgID: ids.sys, Status: 'failed: system failed' })]);

    sandbox.wechat.setZeroMsgIdWithClientMsgId(app.appid, true);
    const again = message();
    const accepted = await channel.send(again, { id: users.ok, address: users.ok });
    expect(accepted.externalId).toMatch(/^\d{19}$/);
    // The same client_msg_id within 10 minutes is not delivered again: no second push.
    await channel.send(again, { id: users.ok, address: users.ok });
    await sandbox.wechat.settlePushes();
    expect(finish(users.ok).slice(1)).toEqual([expect.objectContaining({ MsgID: '0', Status: 'success' })]);
  });

  it('MASSSENDJOBFINISH after a mass send, with FilterCount less the followers a console broadcast already spent', async () => {
    const app = newApp(sandbox, 'oa');
    sandbox.wechat.setCallback(app.appid, { url: receiverUrl, token: TOKEN });
    const tag = sandbox.wechat.createTag(app.appid, '订阅者');
    const users = Array.from({ length: 5 }, (_, i) => openid(`mass${i}`));
    users.forEach((user, i) => sandbox.wechat.addFollower(app.appid, user, { tags: i < 2 ? [tag, '本周活动'] : [tag] }));
    // Staff broadcast four times to two of them from the web console (the admin route, as curl would).
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${sandbox.url}/sandbox/admin/wechat/console-mass-send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid: app.appid, tag: '本周活动' }),
      });
      expect(await res.json()).toEqual({ totalCount: 2, filterCount: 2 });
    }
    const channel = createWechatOaChannel({ client: client(sandbox, app, store), templateId: app.templateId });
    const { externalId } = await channel.massSendByTag(message(), tag);
    await sandbox.wechat.settlePushes();
    const push = received.filter((r) => r.body.startsWith('<xml>')).map((r) => parsePushXml(r.body)).find((f) => f.Event === 'MASSSENDJOBFINISH' && f.MsgID === externalId);
    expect(push).toMatchObject({ FromUserName: 'mphelper', Status: 'send success', TotalCount: '5', FilterCount: '3', SentCount: '3', ErrorCount: '0' });
    expect(sent(sandbox, 'wechat-oa', SENDALL_PATH)).not.toHaveLength(0);
    expect(sandbox.wechat.massJobs(app.appid).at(-1)).toMatchObject({ totalCount: 5, filterCount: 3 });
    await waitFor(async () => sandbox.wechat.pushes(app.appid, 'MASSSENDJOBFINISH').length, (n) => n === 1);
  });
});
