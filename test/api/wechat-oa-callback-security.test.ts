import { createRequire } from 'node:module';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { wechatOaRoutes } from '../../api/routes/wechat-oa.routes.ts';
import { aesKeyFrom, callbackSignature, decryptMessage } from '../../core/wechat-callback/crypto.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { seenPushes } from '../../core/wechat-callback/store.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';

/** The independent implementation (it ships no types). */
interface WXBizMsgCrypt {
  encrypt(text: string): string;
  decrypt(text: string): { message: string; id: string };
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
}
const WXBizMsgCrypt = createRequire(import.meta.url)('wechat-crypto') as new (token: string, aesKey: string, appId: string) => WXBizMsgCrypt;

const TOKEN = 'gongkaitoken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP_ID = 'wx0123456789abcdef';
const NOW = new Date('2026-10-09T10:00:00+08:00');
const TS = String(NOW.getTime() / 1000);
const PATH = '/wechat/oa';

const db = await connectTestDb('wechat_oa_security');
const { logger } = captureLogs();

function appWith(options: { aesKey?: string } = {}) {
  const app = new Koa();
  app.silent = true;
  app.use(requestId());
  app.use(errorHandler());
  // The app's own JSON body parser, to show it leaves XML bodies to the callback.
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
  app.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger, now: () => NOW, ...options }).routes());
  return app.callback();
}
const app = appWith({ aesKey: AES_KEY });
const sender = { token: TOKEN, appId: APP_ID, aesKey: AES_KEY };

let msgSeq = 6054768590064713728n;
const textXml = (content = '你好', msgId = String(msgSeq++)) =>
  pushXml({ ToUserName: 'gh_test', FromUserName: 'o-security-user', CreateTime: Number(TS), MsgType: 'text', Content: content, MsgId: msgId });

// An account in safe mode refuses plaintext pushes, so plaintext ones go to an account without a key.
const plainApp = appWith();
const post = (query: Record<string, string>, body: string) =>
  request(query.encrypt_type === 'aes' ? app : plainApp).post(PATH).query(query).set('Content-Type', 'text/xml').send(body);

describe('GET /wechat/oa (URL verification)', () => {
  const nonce = '1320562132';
  const signature = callbackSignature(TOKEN, TS, nonce);

  it('answers echostr as plain text when the signature matches', async () => {
    const res = await request(app).get(PATH).query({ signature, timestamp: TS, nonce, echostr: '5838479218127813673' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('5838479218127813673');
  });

  it('refuses a forged or missing signature with 401', async () => {
    const forged = await request(app).get(PATH).query({ signature: signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')), timestamp: TS, nonce, echostr: 'x' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('unauthenticated');
    expect((await request(app).get(PATH).query({ timestamp: TS, nonce, echostr: 'x' })).status).toBe(401);
    expect((await request(app).get(PATH).query({ signature, nonce, echostr: 'x' })).status).toBe(401);
  });
});

describe('POST /wechat/oa in plaintext mode', () => {
  it('processes a push with a valid signature and replies in XML', async () => {
    const { query, body } = signPush(sender, textXml('随便说说'), { now: NOW });
    const res = await post(query, body);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text).toContain('<ToUserName><![CDATA[o-security-user]]></ToUserName>');
    expect(res.text).toContain('<FromUserName><![CDATA[gh_test]]></FromUserName>');
    expect(res.text).toContain('订阅');
  });

  it('refuses forged, missing and stale signatures with 401 and processes nothing', async () => {
    const before = await seenPushes(db).countDocuments();
    const { query, body } = signPush(sender, textXml(), { now: NOW });
    expect((await post({ ...query, signature: '0'.repeat(40) }, body)).status).toBe(401);
    expect((await post({ timestamp: query.timestamp!, nonce: query.nonce! }, body)).status).toBe(401);
    const stale = signPush(sender, textXml(), { now: new Date(NOW.getTime() - 301_000) });
    const res = await post(stale.query, stale.body);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/timestamp/);
    // Within the tolerance (a retry 15 s later) it is accepted.
    const retry = signPush(sender, textXml(), { now: new Date(NOW.getTime() - 15_000) });
    expect((await post(retry.query, retry.body)).status).toBe(200);
    expect(await seenPushes(db).countDocuments()).toBe(before + 1);
  });
});

describe('POST /wechat/oa in safe mode', () => {
  const other = new WXBizMsgCrypt(TOKEN, AES_KEY, APP_ID);

  it('refuses a plaintext push, however well signed, once an EncodingAESKey is configured', async () => {
    const before = await seenPushes(db).countDocuments();
    const { query, body } = signPush(sender, textXml('订阅 住房 110108'), { now: NOW });
    const res = await request(app).post(PATH).query(query).set('Content-Type', 'text/xml').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'plaintext_refused' });
    // Also when it says encrypt_type=raw.
    expect((await request(app).post(PATH).query({ ...query, encrypt_type: 'raw' }).set('Content-Type', 'text/xml').send(body)).status).toBe(400);
    expect(await seenPushes(db).countDocuments()).toBe(before);
  });

  it('processes a push encrypted by our own encrypt', async () => {
    const { query, body } = signPush(sender, textXml('我的订阅'), { now: NOW, safe: true });
    const res = await post(query, body);
    expect(res.status).toBe(200);
    const reply = other.decrypt(/<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(res.text)![1]!);
    expect(reply.id).toBe(APP_ID);
    expect(reply.message).toContain('您当前没有订阅');
  });

  it('processes a push encrypted by wechat-crypto, and its reply decrypts and verifies with wechat-crypto', async () => {
    const nonce = '987654321';
    const encrypted = other.encrypt(textXml('退订'));
    const query = { signature: callbackSignature(TOKEN, TS, nonce), timestamp: TS, nonce, encrypt_type: 'aes', msg_signature: other.getSignature(TS, nonce, encrypted) };
    const res = await post(query, `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`);
    expect(res.status).toBe(200);
    const envelope = (tag: string) => new RegExp(`<${tag}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</${tag}>`).exec(res.text)?.[1] ?? '';
    const replyEncrypted = envelope('Encrypt');
    expect(envelope('MsgSignature')).toBe(other.getSignature(envelope('TimeStamp'), envelope('Nonce'), replyEncrypted));
    const reply = other.decrypt(replyEncrypted);
    expect(reply.id).toBe(APP_ID);
    expect(reply.message).toMatch(/^<xml><ToUserName><!\[CDATA\[o-security-user\]\]><\/ToUserName><FromUserName><!\[CDATA\[gh_test\]\]>/);
    expect(reply.message).toContain('<MsgType><![CDATA[text]]></MsgType>');
  });

  it('refuses a ciphertext made for another appid, and a bad msg_signature, with 401', async () => {
    const foreign = new WXBizMsgCrypt(TOKEN, AES_KEY, 'wxforeignapp00000');
    const nonce = '55555';
    const encrypted = foreign.encrypt(textXml());
    const body = `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
    const query = { timestamp: TS, nonce, encrypt_type: 'aes', msg_signature: foreign.getSignature(TS, nonce, encrypted) };
    const wrongApp = await post(query, body);
    expect(wrongApp.status).toBe(401);
    expect(wrongApp.body.error.message).toMatch(/another app/);
    expect((await post({ ...query, msg_signature: callbackSignature(TOKEN, TS, nonce) }, body)).status).toBe(401);
    expect((await post({ ...query, msg_signature: '' }, body)).status).toBe(401);
  });

  it('refuses safe mode clearly when no EncodingAESKey is configured', async () => {
    const plainOnly = appWith();
    const { query, body } = signPush(sender, textXml(), { now: NOW, safe: true });
    const res = await request(plainOnly).post(PATH).query(query).set('Content-Type', 'text/xml').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'safe_mode_not_configured' });
    expect(res.body.error.message).toMatch(/EncodingAESKey/);
  });
});

describe('POST /wechat/oa refuses unsafe and oversized XML', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
    '<xml><ToUserName>gh_test</ToUserName><FromUserName>o-evil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>';
  const externalEntity =
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<xml><ToUserName>gh_test</ToUserName><FromUserName>o-evil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>';

  it.each([
    ['billion laughs', billionLaughs],
    ['an external entity', externalEntity],
  ])('answers 400 to %s and processes nothing', async (_name, xml) => {
    const before = await seenPushes(db).countDocuments();
    const { query, body } = signPush(sender, xml, { now: NOW });
    const res = await post(query, body);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('root:');
    // The same inside a safe-mode envelope.
    const safe = signPush(sender, xml, { now: NOW, safe: true });
    expect((await post(safe.query, safe.body)).status).toBe(400);
    expect(await seenPushes(db).countDocuments()).toBe(before);
  });

  it('answers 400 to malformed XML and to a body that is not one <xml> element', async () => {
    for (const xml of ['<xml><MsgType>text</MsgType>', '<xml><a>1</b></xml>', 'not xml', '<a/><b/>', '<xml>text</xml>']) {
      const { query, body } = signPush(sender, xml, { now: NOW });
      expect((await post(query, body)).status, xml).toBe(400);
    }
  });

  it('answers 413 to a body over 64 KB', async () => {
    const { query, body } = signPush(sender, textXml('长'.repeat(22_000)), { now: NOW });
    const res = await post(query, body);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    // Also when streamed without a Content-Length.
    const chunked = request(app).post(PATH).query(query).set('Content-Type', 'text/xml').set('Transfer-Encoding', 'chunked');
    chunked.write(body.slice(0, 30_000));
    chunked.write(body.slice(30_000));
    expect((await chunked).status).toBe(413);
  });
});

describe('safe-mode crypto', () => {
  it('matches the reference test vector (wechat.md §3.4)', () => {
    const encrypted =
      'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=';
    expect(callbackSignature('spamtest', '1409735669', '1320562132', encrypted)).toBe('5d197aaffba7e9b25a30732f161a50dee96bd5fa');
    const xml = decryptMessage(aesKeyFrom(AES_KEY), 'wx2c2769f8efd9abc2', encrypted);
    expect(Buffer.byteLength(xml)).toBe(280);
    expect(xml).toContain('<Content><![CDATA[abcdteT]]></Content>');
    expect(xml).toContain('<MsgId>6054768590064713728</MsgId>');
  });
});
