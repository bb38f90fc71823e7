import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../api/middleware/access-log.ts';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { wechatMpRoutes } from '../../api/routes/wechat-mp.routes.ts';
import { consentCollection, consentId } from '../../core/models/consent.model.ts';
import { aesKeyFrom, callbackSignature, encryptMessage } from '../../core/wechat-callback/crypto.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';

const TOKEN = 'mppushtoken';
const APP_ID = 'wx-sandbox-mp';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const db = await connectTestDb('wechat_mp_callback');
const logs = captureLogs();

function appWith(aesKey?: string) {
  const koa = new Koa();
  koa.silent = true;
  koa.use(requestId());
  koa.use(accessLog(logs.logger));
  koa.use(errorHandler());
  koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
  koa.use(wechatMpRoutes({ db, appId: APP_ID, token: TOKEN, logger: logs.logger, ...(aesKey ? { aesKey } : {}) }).routes());
  return koa.callback();
}
const plain = appWith();
const safe = appWith(AES_KEY);

async function consent(openid: string, templateId = 'tpl-long') {
  await consentCollection(db).insertOne({ _id: consentId(APP_ID, openid, templateId), appId: APP_ID, openid, templateId, kind: 'long-term', remaining: 0, revoked: false, updatedAt: new Date() });
}
const revoked = async (openid: string, templateId = 'tpl-long') => (await consentCollection(db).findOne({ _id: consentId(APP_ID, openid, templateId) }))?.revoked;

function changeEvent(openid: string, entries: string) {
  const at = Math.floor(Date.now() / 1000);
  return `<xml><ToUserName><![CDATA[gh_mp]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_change_event]]></Event><SubscribeMsgChangeEvent>${entries}</SubscribeMsgChangeEvent></xml>`;
}
const entry = (templateId: string, status: string) => `<List><TemplateId><![CDATA[${templateId}]]></TemplateId><SubscribeStatusString><![CDATA[${status}]]></SubscribeStatusString></List>`;

describe('the mini-program message push (/wechat/mp)', () => {
  it('verifies the URL with the token (GET echostr), and refuses a wrong signature', async () => {
    const { query } = signPush({ token: TOKEN, appId: APP_ID }, '', { now: new Date() });
    const ok = await request(plain).get('/wechat/mp').query({ ...query, echostr: 'echo-123' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('echo-123');
    expect((await request(plain).get('/wechat/mp').query({ ...query, signature: 'x'.repeat(40), echostr: 'e' })).status).toBe(401);
  });

  it('revokes every template the user switched off (several List entries), and only those', async () => {
    await consent('o-two', 'tpl-a');
    await consent('o-two', 'tpl-b');
    await consent('o-two', 'tpl-c');
    const xml = changeEvent('o-two', entry('tpl-a', 'reject') + entry('tpl-b', 'reject'));
    const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: new Date() });
    const res = await request(plain).post('/wechat/mp').query(query).set('Content-Type', 'text/xml').send(body);
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    expect([await revoked('o-two', 'tpl-a'), await revoked('o-two', 'tpl-b'), await revoked('o-two', 'tpl-c')]).toEqual([true, true, false]);
    expect(logs.text()).not.toContain('o-two');
  });

  it('refuses a push signed with another token, or too old to be a retry', async () => {
    await consent('o-forged');
    const xml = changeEvent('o-forged', entry('tpl-long', 'reject'));
    const forged = signPush({ token: 'sandboxtoken', appId: APP_ID }, xml, { now: new Date() });
    expect((await request(plain).post('/wechat/mp').query(forged.query).set('Content-Type', 'text/xml').send(forged.body)).status).toBe(401);
    const old = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: new Date(Date.now() - 3_600_000) });
    expect((await request(plain).post('/wechat/mp').query(old.query).set('Content-Type', 'text/xml').send(old.body)).status).toBe(401);
    expect(await revoked('o-forged')).toBe(false);
  });

  it('in safe mode refuses plaintext and takes the encrypted JSON push', async () => {
    await consent('o-safe');
    const fields = { ToUserName: 'gh_mp', FromUserName: 'o-safe', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'subscribe_msg_change_event' };
    const plainPush = signPush({ token: TOKEN, appId: APP_ID }, pushXml(fields), { now: new Date() });
    const refused = await request(safe).post('/wechat/mp').query(plainPush.query).set('Content-Type', 'text/xml').send(plainPush.body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/plaintext push refused/);

    const json = JSON.stringify({ ...fields, SubscribeMsgChangeEvent: { List: { TemplateId: 'tpl-long', SubscribeStatusString: 'reject' } } });
    const encrypted = encryptMessage(aesKeyFrom(AES_KEY), APP_ID, json);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '1320562132';
    const res = await request(safe)
      .post('/wechat/mp')
      .query({ signature: callbackSignature(TOKEN, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: callbackSignature(TOKEN, timestamp, nonce, encrypted) })
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ToUserName: 'gh_mp', Encrypt: encrypted }));
    expect(res.status).toBe(200);
    expect(await revoked('o-safe')).toBe(true);
  });
});
