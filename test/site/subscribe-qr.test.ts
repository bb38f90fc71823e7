import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type HttpServer } from '../../api/server.ts';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { WechatClient } from '../../channels/wechat/wechat-client.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { ANY, subscriptionCollection } from '../../core/models/subscription.model.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import * as replies from '../../core/wechat-callback/replies.ts';
import { qrCodeCollection, qrSvg } from '../../core/wechat-qr/qr-codes.ts';
import { parseScene, sceneOf } from '../../core/wechat-qr/scene.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { testApp } from '../helpers/registry.ts';
import { siteWorld } from './site-world.ts';

const OA = SANDBOX_APPS.oa;
const TOKEN = 'qrcallbacktoken';
const QRCODE = '/cgi-bin/qrcode/create';
const sandbox = await startSandbox();
afterAll(() => sandbox.close());
// The QR codes' clock (backoff after a refusal), moved by the tests instead of waiting.
const qrClock = { ms: Date.parse('2026-12-04T02:00:00Z') };
let maker!: WechatClient;
const w = await siteWorld('subscribe_qr', {
  appDeps: (db) => {
    maker = new WechatClient({ appId: OA.appId, secret: OA.secret, baseUrl: sandbox.url, tokenStore: createMongoTokenStore(db, { pollMs: 20 }) });
    return { wechatOaCallback: { appId: OA.appId, token: TOKEN }, subscribeQr: { maker, now: () => qrClock.ms } };
  },
});
let server: HttpServer;
beforeAll(async () => {
  server = await listen(w.app, '127.0.0.1', 0);
  sandbox.wechat.setCallback(OA.appId, { url: `http://127.0.0.1:${server.port}/wechat/oa`, token: TOKEN, ghId: 'gh_gongkai' });
});
afterAll(() => server?.close(1000));

const creates = () => sandbox.outbox.list('wechat-oa').filter((e) => e.path === QRCODE).length;
const content = (xml: string) => /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(xml)?.[1];
const hasQr = (text: string) => /<svg role="img" aria-label="微信扫码订阅：/.test(text);
async function subscriptionsOf(openid: string) {
  const subscriber = await subscriberCollection(w.db).findOne({ appId: OA.appId, openid });
  return subscriber ? subscriptionCollection(w.db).find({ subscriberId: subscriber._id }).toArray() : [];
}
const ticketOf = (scene: string) => sandbox.wechat.qrCodes(OA.appId).find((c) => c.scene === scene)!.ticket;

describe('scenes', () => {
  it('write field and region, and parse back only what they wrote', () => {
    expect(sceneOf({ field: 'housing', region: '110108' })).toBe('sub1_housing_110108');
    expect(sceneOf({ region: '110108' })).toBe('sub1_0_110108');
    expect(sceneOf({ field: 'state-assets' })).toBe('sub1_state-assets_0');
    expect(sceneOf({})).toBeUndefined();
    expect(parseScene('sub1_housing_110108')).toEqual({ field: 'housing', region: '110108' });
    expect(parseScene('sub1_0_110108')).toEqual({ region: '110108' });
    for (const bad of ['sub1_0_0', 'sub1_housing_1101080', 'sub1_housing_11010x', 'sub1_$where_110108', 'sub1_housing_110108.$gt', 'sub1_hous.ing_110108', 'sub1_constructor_0', 'sub1___proto___0', 'sub2_housing_110108', 'poster2025', '', ' sub1_housing_110108', 'sub1_housing_110108\n', 'sub1_housing_110108_x', 42, null, { field: 'housing' }]) {
      expect(parseScene(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('the subscribe page with the official account', () => {
  it('makes a permanent code for the field and region once, stores it by scene and draws it as inline SVG', async () => {
    const before = creates();
    const res = await w.http().get('/subscribe?field=housing&region=110108').expect(200);
    expect(creates()).toBe(before + 1);
    const call = sandbox.outbox.list('wechat-oa').filter((e) => e.path === QRCODE).at(-1)!;
    expect(call.body).toEqual({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'sub1_housing_110108' } } });
    const stored = await qrCodeCollection(w.db).findOne({ _id: 'sub1_housing_110108' });
    const made = sandbox.wechat.qrCodes(OA.appId).find((c) => c.scene === 'sub1_housing_110108')!;
    expect(stored).toMatchObject({ appId: OA.appId, action: 'QR_LIMIT_STR_SCENE', ticket: made.ticket, url: made.url });
    // The drawing is the qrcode package's SVG of the stored url, named for screen readers.
    expect(res.text).toContain('<svg role="img" aria-label="微信扫码订阅：领域：住房保障；地区：110108（含下辖区县）" focusable="false" ');
    expect(res.text).toContain((await qrSvg(made.url)).replace(/^<svg /, ''));
    expect(res.text).not.toMatch(/<img|showqrcode|mp\.weixin\.qq\.com/);
    expect(res.text).toContain('<code>订阅 住房保障 110108</code>');
    expect(res.headers['cache-control']).toBe('public, no-cache');

    const again = await w.http().get('/subscribe?field=housing&region=110108').expect(200);
    expect(again.text).toBe(res.text);
    await w.http().get('/subscribe?field=housing&region=110108').set('If-None-Match', res.headers.etag!).expect(304);
    // Another process on the same database reads the stored code.
    const other = testApp({ logger: w.logger, db: w.db, services: w.services }, { subscribeQr: { maker } });
    const elsewhere = await request(other.callback()).get('/subscribe?region=110108&field=housing').expect(200);
    expect(hasQr(elsewhere.text)).toBe(true);
    expect(creates()).toBe(before + 1);
    expect(await qrCodeCollection(w.db).countDocuments({})).toBe(1);
  });

  it('makes no code for a region the site has no public items in: each permanent code is one of 100,000 for good', async () => {
    const before = creates();
    const res = await w.http().get('/subscribe?field=housing&region=650102').expect(200);
    expect(hasQr(res.text)).toBe(false);
    expect(res.text).toContain('<code>订阅 住房保障 650102</code>');
    expect(res.text).toContain('暂时无法显示当前条件的订阅二维码');
    expect(creates()).toBe(before);
  });

  it('offers a form to choose field and region when the page has neither', async () => {
    const res = await w.http().get('/subscribe').expect(200);
    expect(hasQr(res.text)).toBe(false);
    expect(res.text).toContain('<form class="search card" method="get" action="/subscribe">');
    expect(res.text).toContain('<label for="s-region">');
  });

  it('concurrent first views in two processes store one code', async () => {
    const other = request(testApp({ logger: w.logger, db: w.db, services: w.services }, { subscribeQr: { maker } }).callback());
    const before = creates();
    const views = await Promise.all([...Array(4)].flatMap(() => [w.http().get('/subscribe?field=bidding'), other.get('/subscribe?field=bidding')]));
    expect(views.every((v) => v.status === 200 && hasQr(v.text))).toBe(true);
    // One call per process at most (each process makes a scene once); WeChat answers both with the same code.
    expect(creates() - before).toBeGreaterThanOrEqual(1);
    expect(creates() - before).toBeLessThanOrEqual(2);
    expect(await qrCodeCollection(w.db).countDocuments({ _id: 'sub1_bidding_0' })).toBe(1);
  });
});

describe('scanning the code', () => {
  it('a new follower is subscribed to exactly the scene’s field and region, and the reply says so', async () => {
    const scan = await sandbox.wechat.scan(OA.appId, ticketOf('sub1_housing_110108'), 'o-qr-new');
    expect(scan).toMatchObject({ event: 'subscribe', eventKey: 'qrscene_sub1_housing_110108', status: 200 });
    expect(content(scan.body)).toBe(replies.subscribed({ field: 'housing', region: '110108' }, false));
    expect(content(scan.body)).toContain('订阅成功：领域：住房保障；地区：110108（含下辖区县）');
    const subs = await subscriptionsOf('o-qr-new');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ channel: 'wechat-oa', active: true, field: 'housing', region: '110108', itemType: ANY, agency: ANY, projectCode: ANY, applicationNumber: ANY, keywords: [] });
    expect((await subscriberCollection(w.db).findOne({ appId: OA.appId, openid: 'o-qr-new' }))?.status).toBe('active');

    // Scanning again (now a follower: SCAN) is the same subscription, once.
    const again = await sandbox.wechat.scan(OA.appId, ticketOf('sub1_housing_110108'), 'o-qr-new');
    expect(again.event).toBe('SCAN');
    expect(content(again.body)).toBe(replies.subscribed({ field: 'housing', region: '110108' }, true));
    expect(await subscriptionsOf('o-qr-new')).toHaveLength(1);
  });

  it('an existing follower’s SCAN does the same, on the same path as the text command', async () => {
    sandbox.wechat.addFollower(OA.appId, 'o-qr-old');
    const scan = await sandbox.wechat.scan(OA.appId, ticketOf('sub1_housing_110108'), 'o-qr-old');
    expect(scan).toMatchObject({ event: 'SCAN', eventKey: 'sub1_housing_110108', status: 200 });
    expect(content(scan.body)).toBe(replies.subscribed({ field: 'housing', region: '110108' }, false));
    expect(await subscriptionsOf('o-qr-old')).toMatchObject([{ field: 'housing', region: '110108' }]);
    // The typed command finds the scan's subscription: one path, one idempotency check.
    const xml = pushXml({ ToUserName: 'gh_gongkai', FromUserName: 'o-qr-old', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '订阅 住房 110108', MsgId: '7000000000000000001' });
    const { query, body } = signPush({ token: TOKEN, appId: OA.appId }, xml, { now: new Date() });
    const typed = await w.http().post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body).expect(200);
    expect(content(typed.text)).toBe(replies.subscribed({ field: 'housing', region: '110108' }, true));
    expect(await subscriptionsOf('o-qr-old')).toHaveLength(1);
  });

  it('a code whose scene is forged or garbled subscribes nothing and gets the ordinary reply', async () => {
    const scenes = ['sub1_housing_110108.$gt', 'sub1_$where_110108', 'sub1_0_0', 'sub1_housing_1101', 'poster2025', 'qrscene_sub1_housing_110108', 'sub1_housing_110108 '];
    for (const [i, scene] of scenes.entries()) {
      const { ticket } = await maker.createLimitQrCode(scene);
      const fresh = await sandbox.wechat.scan(OA.appId, ticket, `o-forged-${i}`);
      expect(fresh.status, scene).toBe(200);
      expect(content(fresh.body), scene).toBe(replies.WELCOME);
      const follower = await sandbox.wechat.scan(OA.appId, ticket, `o-forged-${i}`);
      expect(follower.event).toBe('SCAN');
      expect(content(follower.body), scene).toBe(replies.HELP);
      expect(await subscriptionsOf(`o-forged-${i}`), scene).toEqual([]);
    }
    expect(w.logs.join('\n')).toContain('names no subscription');
  });
});

describe('when WeChat refuses to make a code', () => {
  const logText = () => w.logs.join('\n');
  const noSecrets = () => {
    expect(logText()).not.toContain(OA.secret);
    expect(logText()).not.toMatch(/access_token=(?!\*\*\*)/);
    expect(logText()).not.toMatch(/S_[A-Za-z0-9_-]{100,}/);
  };

  it('a revoked token (40001) is fetched again and the call retried once', async () => {
    await w.http().get('/subscribe?field=land&region=110108').expect(200); // settles a token in the store
    sandbox.wechat.revokeTokens(OA.appId);
    const fetches = sandbox.wechat.tokenFetches(OA.appId).stableToken;
    const res = await w.http().get('/subscribe?field=mining&region=110108').expect(200);
    expect(hasQr(res.text)).toBe(true);
    expect(sandbox.wechat.tokenFetches(OA.appId).stableToken).toBe(fetches + 1);
    noSecrets();
  });

  it('45009 (daily quota): the page explains the text commands and asks WeChat again only after 00:00 China time', async () => {
    const id = sandbox.wechat.faults.inject({ path: QRCODE, errcode: 45009, errmsg: 'reach max api daily quota limit' });
    const url = '/subscribe?field=procurement&region=110108';
    const res = await w.http().get(url).expect(200);
    expect(hasQr(res.text)).toBe(false);
    expect(res.text).toContain('暂时无法显示当前条件的订阅二维码');
    expect(res.text).toContain('<code>订阅 政府采购 110108</code>');
    await w.http().get(url).expect(200);
    expect(sandbox.wechat.faults.active().find((f) => f.id === id)?.fired).toBe(1);
    sandbox.wechat.faults.clear();
    qrClock.ms += 3_600_000; // 11:00 in China: still the same day
    expect(hasQr((await w.http().get(url)).text)).toBe(false);
    qrClock.ms += 24 * 3_600_000;
    expect(hasQr((await w.http().get(url)).text)).toBe(true);
    expect(logText()).toMatch(/"code":"45009".*subscribe QR code not made/);
    noSecrets();
  });

  it('an HTTP 500 (whose library message carries the URL) is logged without the token, and retried a minute later', async () => {
    sandbox.wechat.faults.inject({ path: QRCODE, http: 500, count: 1 });
    const url = '/subscribe?field=state-assets&region=110108';
    expect(hasQr((await w.http().get(url).expect(200)).text)).toBe(false);
    expect(logText()).toContain('access_token=***');
    qrClock.ms += 61_000;
    expect(hasQr((await w.http().get(url).expect(200)).text)).toBe(true);
    noSecrets();
  });
});

describe('on the local sandbox (npm start without credentials)', () => {
  it('says the code is the simulator’s', async () => {
    const local = testApp({ logger: w.logger, db: w.db, services: w.services }, { subscribeQr: { maker, sandbox: true } });
    const res = await request(local.callback()).get('/subscribe?field=housing&region=110108').expect(200);
    expect(hasQr(res.text)).toBe(true);
    expect(res.text).toContain('真实微信扫码无效');
    expect((await w.http().get('/subscribe?field=housing&region=110108')).text).not.toContain('真实微信扫码无效');
  });
});

describe('without an official account', () => {
  it('the page explains the text commands and shows no code', async () => {
    const plain = testApp({ logger: w.logger, db: w.db, services: w.services });
    const res = await request(plain.callback()).get('/subscribe?field=housing&region=110108').expect(200);
    expect(res.text).toContain('<code>订阅 住房保障 110108</code>');
    expect(res.text).not.toMatch(/<svg|<img|<form class="search card" method="get" action="\/subscribe">/);
  });
});
