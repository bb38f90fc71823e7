import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { parseWechatJson } from '../../channels/wechat/wechat-client.ts';
import { newApp, sent, wechatSandbox } from './wechat-helpers.ts';

const sandbox = await wechatSandbox();
const QRCODE = '/cgi-bin/qrcode/create';

async function post(path: string, query: Record<string, string>, body: unknown) {
  const res = await axios.post<string>(`${sandbox.url}${path}`, body, { params: query, responseType: 'text', transformResponse: (raw: string) => raw, validateStatus: () => true });
  expect(res.status).toBe(200);
  return parseWechatJson(res.data);
}
async function tokenOf(app: { appid: string; secret: string }) {
  const answer = await post('/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: app.appid, secret: app.secret });
  return String(answer.access_token);
}
const permanent = (scene: unknown) => ({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: scene } } });

describe('WeChat sandbox: qrcode/create', () => {
  it('makes a permanent string-scene code: a ticket and the url it encodes; the same scene again is the same code', async () => {
    const app = newApp(sandbox, 'oa');
    const token = await tokenOf(app);
    const first = await post(QRCODE, { access_token: token }, permanent('sub1_housing_110108'));
    expect(first).toEqual({ ticket: expect.stringMatching(/^gQ[A-Za-z0-9+/=]{40,}$/), url: expect.stringMatching(/^http:\/\/weixin\.qq\.com\/q\/\S+$/) });
    expect(first).not.toHaveProperty('expire_seconds');
    expect(await post(QRCODE, { access_token: token }, permanent('sub1_housing_110108'))).toEqual(first);
    expect(sandbox.wechat.qrCodes(app.appid)).toEqual([{ ticket: first.ticket, scene: 'sub1_housing_110108', permanent: true, url: first.url }]);
    expect(sandbox.wechat.usage(app.appid, QRCODE)).toBe(2);
    expect(sent(sandbox, 'wechat-oa', QRCODE).at(-1)?.body).toEqual(permanent('sub1_housing_110108'));
  });

  it('makes temporary codes with expire_seconds (default 60, at most 2592000) and integer scenes in range', async () => {
    const app = newApp(sandbox, 'oa');
    const token = await tokenOf(app);
    const tmp = await post(QRCODE, { access_token: token }, { action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'x' } } });
    expect(tmp).toMatchObject({ expire_seconds: 60, url: expect.any(String), ticket: expect.any(String) });
    const long = await post(QRCODE, { access_token: token }, { expire_seconds: 9_999_999, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 4_000_000_000 } } });
    expect(long.expire_seconds).toBe(2_592_000);
    expect(await post(QRCODE, { access_token: token }, { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100_000 } } })).toHaveProperty('ticket');
    expect(await post(QRCODE, { access_token: token }, { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100_001 } } })).toMatchObject({ errcode: 40053 });
  });

  it('refuses a bad action_name (40097), a scene_str empty or over 64 characters or missing (40053), bad bodies and tokens', async () => {
    const oa = newApp(sandbox, 'oa');
    const mp = newApp(sandbox, 'mp');
    const token = await tokenOf(oa);
    const q = { access_token: token };
    expect(await post(QRCODE, q, { action_name: 'QR_FOREVER', action_info: { scene: { scene_str: 'a' } } })).toMatchObject({ errcode: 40097 });
    expect(await post(QRCODE, q, permanent('a'.repeat(65)))).toMatchObject({ errcode: 40053, errmsg: expect.stringMatching(/^invalid action info/) });
    expect(await post(QRCODE, q, permanent(''))).toMatchObject({ errcode: 40053 });
    expect(await post(QRCODE, q, permanent(42))).toMatchObject({ errcode: 40053 });
    expect(await post(QRCODE, q, { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene_str: 'a' } })).toMatchObject({ errcode: 40053 });
    expect(await post(QRCODE, q, { action_name: 'QR_STR_SCENE', expire_seconds: -1, action_info: { scene: { scene_str: 'a' } } })).toMatchObject({ errcode: 40097 });
    expect(await post(QRCODE, q, {})).toMatchObject({ errcode: 44002 });
    expect(await post(QRCODE, {}, permanent('a'))).toMatchObject({ errcode: 41001 });
    expect(await post(QRCODE, { access_token: 'forged' }, permanent('a'))).toMatchObject({ errcode: 40001 });
    expect(await post(QRCODE, { access_token: await tokenOf(mp) }, permanent('a'))).toMatchObject({ errcode: 48001 });
    sandbox.wechat.expireTokens(oa.appid);
    expect(await post(QRCODE, q, permanent('a'))).toMatchObject({ errcode: 42001 });
    expect(sandbox.wechat.qrCodes(oa.appid)).toEqual([]);
  });

  it('answers 45009 over the daily quota', async () => {
    const app = newApp(sandbox, 'oa');
    sandbox.wechat.setQuota(app.appid, QRCODE, 1);
    const q = { access_token: await tokenOf(app) };
    expect(await post(QRCODE, q, permanent('one'))).toHaveProperty('ticket');
    expect(await post(QRCODE, q, permanent('two'))).toMatchObject({ errcode: 45009 });
  });

  it('scan needs a known ticket and a callback', async () => {
    const app = newApp(sandbox, 'oa');
    const { ticket } = await post(QRCODE, { access_token: await tokenOf(app) }, permanent('sub1_land_0'));
    await expect(sandbox.wechat.scan(app.appid, 'gQnothing', 'o-1')).rejects.toThrow(/unknown ticket/);
    await expect(sandbox.wechat.scan(app.appid, String(ticket), 'o-1')).rejects.toThrow(/no callback/);
    const admin = await axios.post(`${sandbox.url}/sandbox/admin/wechat/scan`, { appid: app.appid, ticket: 'gQnothing', openid: 'o-1' }, { validateStatus: () => true });
    expect(admin.status).toBe(404);
  });
});
