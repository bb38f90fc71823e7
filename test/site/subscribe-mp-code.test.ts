import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { WechatClient } from '../../channels/wechat/wechat-client.ts';
import { MP_SUBSCRIBE_PAGE, mpCodeCollection } from '../../core/wechat-qr/mp-codes.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { testApp } from '../helpers/registry.ts';
import { siteWorld } from './site-world.ts';

const MP = SANDBOX_APPS.mp;
const WXACODE = '/wxa/getwxacodeunlimit';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sandbox = await startSandbox();
afterAll(() => sandbox.close());
let maker!: WechatClient;
const w = await siteWorld('subscribe_mp_code', {
  appDeps: (db) => {
    maker = new WechatClient({ appId: MP.appId, secret: MP.secret, baseUrl: sandbox.url, tokenStore: createMongoTokenStore(db, { pollMs: 20 }) });
    return { subscribeMpCode: { maker, page: MP_SUBSCRIBE_PAGE } };
  },
});

const calls = () => sandbox.outbox.list('wechat-mp').filter((e) => e.path === WXACODE);
const hasMpCode = (text: string) => /<img src="\/site\/mp-code\//.test(text);
const TEXT = '在微信中打开本机关的政务服务小程序';

describe('the subscribe page with the mini-program', () => {
  it('makes the code for the field and region once, stores its bytes by scene and serves them from our own route', async () => {
    const before = calls().length;
    const res = await w.http().get('/subscribe?field=housing&region=110108').expect(200);
    expect(calls().length).toBe(before + 1);
    expect(calls().at(-1)!.body).toEqual({ scene: 'sub1_housing_110108', page: 'pages/subscribe/subscribe' });
    expect(res.text).toContain('<img src="/site/mp-code/sub1_housing_110108.png" width="280" height="280" alt="微信扫码打开小程序订阅页：领域：住房保障；地区：110108（含下辖区县）">');
    expect(res.text).toContain(TEXT);
    expect(res.text).not.toMatch(/api\.weixin\.qq\.com|access_token/);

    const stored = await mpCodeCollection(w.db).findOne({ _id: 'sub1_housing_110108' });
    expect(stored).toMatchObject({ appId: MP.appId, page: MP_SUBSCRIBE_PAGE, contentType: 'image/png' });
    const image = await w.http().get('/site/mp-code/sub1_housing_110108.png').expect(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cache-control']).toBe('public, max-age=86400');
    expect(Buffer.isBuffer(image.body)).toBe(true);
    expect((image.body as Buffer).equals(Buffer.from(stored!.image, 'base64'))).toBe(true);
    expect((image.body as Buffer).subarray(0, 8).equals(PNG)).toBe(true);

    // Again, and from another process on the same database: the stored code, no second call.
    expect((await w.http().get('/subscribe?field=housing&region=110108').expect(200)).text).toBe(res.text);
    const other = testApp({ logger: w.logger, db: w.db, services: w.services }, { subscribeMpCode: { maker, page: MP_SUBSCRIBE_PAGE } });
    expect(hasMpCode((await request(other.callback()).get('/subscribe?region=110108&field=housing').expect(200)).text)).toBe(true);
    await request(other.callback()).get('/site/mp-code/sub1_housing_110108.png').expect(200);
    expect(calls().length).toBe(before + 1);
    expect(await mpCodeCollection(w.db).countDocuments({})).toBe(1);
  });

  it('makes no code without a filter or for a region without public items', async () => {
    const before = calls().length;
    const none = await w.http().get('/subscribe').expect(200);
    const empty = await w.http().get('/subscribe?field=housing&region=650102').expect(200);
    for (const res of [none, empty]) {
      expect(hasMpCode(res.text)).toBe(false);
      expect(res.text).toContain(TEXT);
    }
    expect(calls().length).toBe(before);
  });

  it('41030 (the page is not in the published version) leaves the page with the text, and the log carries no token', async () => {
    sandbox.wechat.setPublishedPages(MP.appId, ['pages/index/index']);
    try {
      const before = calls().length;
      const res = await w.http().get('/subscribe?field=land&region=110108').expect(200);
      expect(hasMpCode(res.text)).toBe(false);
      expect(res.text).toContain(TEXT);
      expect(calls().length).toBe(before); // refused: nothing recorded
      expect(await mpCodeCollection(w.db).findOne({ _id: 'sub1_land_110108' })).toBeNull();
      await w.http().get('/site/mp-code/sub1_land_110108.png').expect(404);
      const logs = w.logs.join('\n');
      expect(logs).toMatch(/"code":"41030".*mini-program code not made/);
      expect(logs).not.toMatch(/access_token=(?!\*\*\*)/);
      expect(logs).not.toContain(MP.secret);
    } finally {
      sandbox.wechat.setPublishedPages(MP.appId, undefined);
    }
  });

  it('the image route answers 404 for any scene it has not stored or that is not a scene, never 500', async () => {
    for (const file of ['sub1_0_0.png', 'sub1_housing_110108.jpg', 'sub1_housing_110108', 'sub1_$where_110108.png', 'sub1_housing_1101080.png', 'sub1_constructor_0.png', 'sub1_mining_110108.png', '..%2F..%2Fetc.png', `${'a'.repeat(40)}.png`, 'sub1_housing_110108.png%00']) {
      const res = await w.http().get(`/site/mp-code/${file}`);
      expect(res.status, file).toBe(404);
    }
  });
});

describe('the sandbox’s getwxacodeunlimit', () => {
  const post = async (body: unknown, token?: string) => {
    const accessToken = token ?? (await createMongoTokenStore(w.db, { pollMs: 20 }).get(MP.appId, () => maker.fetchStableToken()));
    const res = await fetch(`${sandbox.url}${WXACODE}?access_token=${accessToken}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const type = res.headers.get('content-type') ?? '';
    return type.startsWith('image/') ? { type, bytes: Buffer.from(await res.arrayBuffer()) } : { type, json: (await res.json()) as { errcode: number } };
  };
  it('checks the token, the scene and the page', async () => {
    expect((await post({ scene: 'a', page: MP_SUBSCRIBE_PAGE }, 'not-a-token')).json?.errcode).toBe(40001);
    expect((await post({ scene: 'x'.repeat(33), page: MP_SUBSCRIBE_PAGE })).json?.errcode).toBe(40169);
    expect((await post({ scene: '', page: MP_SUBSCRIBE_PAGE })).json?.errcode).toBe(40169);
    expect((await post({ scene: '订阅', page: MP_SUBSCRIBE_PAGE })).json?.errcode).toBe(40129);
    expect((await post({ scene: 'a', page: `/${MP_SUBSCRIBE_PAGE}` })).json?.errcode).toBe(41030);
    expect((await post({ scene: 'a', page: 'pages/nope/nope' })).json?.errcode).toBe(41030);
    expect((await post({ scene: 'a', page: 'pages/nope/nope', check_path: false })).type).toBe('image/png');
    const ok = await post({ scene: 'sub1_state-assets_110108', page: MP_SUBSCRIBE_PAGE });
    expect(ok.type).toBe('image/png');
    expect(ok.bytes!.subarray(0, 8).equals(PNG)).toBe(true);
  });
});
