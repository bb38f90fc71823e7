import axios from 'axios';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseWechatJson } from '../../channels/wechat/wechat-client.ts';
import { OA_KEYS, SENDALL_PATH, TEMPLATE_PATH, newApp, openid, sent, wechatSandbox } from './wechat-helpers.ts';

// The sandbox's own clock, moved by the tests: token overlap, code expiry and dedupe windows without sleeping.
let now = Date.parse('2026-11-27T02:00:00Z');
const sandbox = await wechatSandbox({ now: () => now });
const MIN = 60_000;

async function wx(method: 'GET' | 'POST', path: string, query: Record<string, string> = {}, body?: unknown) {
  const res = await axios.request<string>({
    method,
    url: `${sandbox.url}${path}`,
    params: query,
    data: body,
    responseType: 'text',
    transformResponse: (raw: string) => raw,
    validateStatus: () => true,
  });
  return { status: res.status, raw: res.data, json: res.status === 200 ? parseWechatJson(res.data) : {} };
}
const token = async (app: { appid: string; secret: string }) =>
  String((await wx('GET', '/cgi-bin/token', { grant_type: 'client_credential', appid: app.appid, secret: app.secret })).json.access_token);
const stable = async (app: { appid: string; secret: string }, force = false) =>
  (await wx('POST', '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: app.appid, secret: app.secret, force_refresh: force })).json;
const tagsGet = async (accessToken: string) => (await wx('GET', '/cgi-bin/tags/get', { access_token: accessToken })).json;

function oaWithFollower() {
  const app = newApp(sandbox, 'oa');
  const user = openid();
  sandbox.wechat.addFollower(app.appid, user);
  const data = { thing1: { value: '标题' }, thing2: { value: '机关' }, thing3: { value: '分配结果' }, time4: { value: '2026年11月20日 09:05' } };
  return { app, user, body: { touser: user, template_id: app.templateId, data } };
}

beforeEach(() => {
  now += 24 * 60 * MIN; // a new China day for every test: daily quotas start afresh
});

describe('WeChat sandbox: access tokens', () => {
  it('/cgi-bin/token issues a new token per call; the old one works 5 more minutes, then 40001; expiry is 42001', async () => {
    const app = newApp(sandbox, 'oa');
    const first = await token(app);
    const second = await token(app);
    expect(second).not.toBe(first);
    expect(await tagsGet(first)).toEqual({ tags: [] });
    now += 5 * MIN + 1000;
    expect(await tagsGet(first)).toMatchObject({ errcode: 40001 });
    expect(await tagsGet(second)).toEqual({ tags: [] });
    now += 7200 * 1000;
    expect(await tagsGet(second)).toMatchObject({ errcode: 42001 });
    expect(sandbox.wechat.tokenFetches(app.appid)).toEqual({ token: 2, stableToken: 0 });
  });

  it('rejects unknown appids (40013), wrong secrets (40001 on /token, 40125 on stable_token) and grant types (40002)', async () => {
    const app = newApp(sandbox, 'oa');
    const q = { grant_type: 'client_credential', appid: app.appid, secret: 'wrong' };
    expect((await wx('GET', '/cgi-bin/token', q)).json).toMatchObject({ errcode: 40001 });
    expect((await wx('GET', '/cgi-bin/token', { ...q, appid: 'wx-nobody' })).json).toMatchObject({ errcode: 40013 });
    expect((await wx('GET', '/cgi-bin/token', { ...q, grant_type: 'x' })).json).toMatchObject({ errcode: 40002 });
    expect(await stable({ ...app, secret: 'wrong' })).toMatchObject({ errcode: 40125 });
  });

  it('stable_token returns the same token while valid, rotates in the last 5 minutes with overlap, force_refresh revokes', async () => {
    const app = newApp(sandbox, 'oa');
    const a = await stable(app);
    expect(a.expires_in).toBe(7200);
    now += 10 * MIN;
    expect(await stable(app)).toMatchObject({ access_token: a.access_token, expires_in: 7200 - 600 });
    now += (7200 - 600 - 200) * 1000; // 200 s left: inside the rotation window
    const b = await stable(app);
    expect(b.access_token).not.toBe(a.access_token);
    expect(await tagsGet(String(a.access_token))).toEqual({ tags: [] }); // overlap: the old one still works
    now += 201 * 1000;
    expect(await tagsGet(String(a.access_token))).toMatchObject({ errcode: 42001 });
    const c = await stable(app, true);
    expect(c.access_token).not.toBe(b.access_token);
    expect(await tagsGet(String(b.access_token))).toMatchObject({ errcode: 40001 });
    expect((await stable(app, true)).access_token).toBe(c.access_token); // < 30 s later: no refresh
  });

  it('expireTokens and revokeTokens make every token of the app answer 42001 / 40001', async () => {
    const app = newApp(sandbox, 'oa');
    const t = String((await stable(app)).access_token);
    sandbox.wechat.expireTokens(app.appid);
    expect(await tagsGet(t)).toMatchObject({ errcode: 42001 });
    const u = String((await stable(app)).access_token);
    expect(u).not.toBe(t);
    sandbox.wechat.revokeTokens(app.appid);
    expect(await tagsGet(u)).toMatchObject({ errcode: 40001 });
    expect((await wx('GET', '/cgi-bin/tags/get')).json).toMatchObject({ errcode: 41001 });
  });

  it('counts the daily token quota: over it, 45009', async () => {
    const app = newApp(sandbox, 'oa');
    sandbox.wechat.setQuota(app.appid, '/cgi-bin/token', 1);
    await token(app);
    const q = { grant_type: 'client_credential', appid: app.appid, secret: app.secret };
    expect((await wx('GET', '/cgi-bin/token', q)).json).toMatchObject({ errcode: 45009 });
  });
});

describe('WeChat sandbox: template messages', () => {
  it('answers a 64-bit msgid as a raw JSON number and dedupes client_msg_id for 10 minutes', async () => {
    const { app, body } = oaWithFollower();
    const t = String((await stable(app)).access_token);
    const first = await wx('POST', TEMPLATE_PATH, { access_token: t }, { ...body, client_msg_id: 'abc' });
    const raw = /"msgid":(\d+)/.exec(first.raw)?.[1] ?? '';
    expect(BigInt(raw) > 2n ** 53n).toBe(true);
    expect(first.json).toEqual({ errcode: 0, errmsg: 'ok', msgid: raw });
    expect((await wx('POST', TEMPLATE_PATH, { access_token: t }, { ...body, client_msg_id: 'abc' })).json.msgid).toBe(raw);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, body.touser)).toHaveLength(1);
    expect(sent(sandbox, 'wechat-oa', TEMPLATE_PATH, body.touser)[0]).toMatchObject({ body: { ...body, client_msg_id: 'abc' }, externalId: raw });
    now += 10 * MIN;
    expect((await wx('POST', TEMPLATE_PATH, { access_token: t }, { ...body, client_msg_id: 'abc' })).json.msgid).not.toBe(raw);
  });

  it('checks openid (40003 / 43004), template (40037), keyword types (47003 naming the key), app kind (48001), quota (45009)', async () => {
    const { app, user, body } = oaWithFollower();
    const t = String((await stable(app)).access_token);
    const send = async (b: object) => (await wx('POST', TEMPLATE_PATH, { access_token: t }, b)).json;
    expect(await send({ ...body, touser: 'o-stranger' })).toMatchObject({ errcode: 40003 });
    expect(await send({ ...body, template_id: 'tpl-unknown' })).toMatchObject({ errcode: 40037 });
    const long = await send({ ...body, data: { ...body.data, thing2: { value: '一二三四五六七八九十一二三四五六七八九十一' } } });
    expect(long).toMatchObject({ errcode: 47003 });
    expect(String(long.errmsg)).toContain('data.thing2.value');
    expect(await send({ ...body, data: { ...body.data, time4: { value: '下周' } } })).toMatchObject({ errcode: 47003 });
    expect(await send({ ...body, data: { ...body.data, thing1: { value: '第一行\n第二行' } } })).toMatchObject({ errcode: 47003 });
    const { time4: _omitted, ...missing } = body.data;
    expect(await send({ ...body, data: missing })).toMatchObject({ errcode: 47003 });
    const mp = newApp(sandbox, 'mp');
    const mpToken = String((await stable(mp)).access_token);
    expect((await wx('POST', TEMPLATE_PATH, { access_token: mpToken }, body)).json).toMatchObject({ errcode: 48001 });
    sandbox.wechat.setQuota(app.appid, TEMPLATE_PATH, 1);
    expect(await send(body)).toMatchObject({ errcode: 0 });
    expect(await send(body)).toMatchObject({ errcode: 45009 });
    sandbox.wechat.unfollow(app.appid, user);
    expect(await send(body)).toMatchObject({ errcode: 43004 });
    expect(OA_KEYS).toEqual(Object.keys(body.data));
  });
});

describe('WeChat sandbox: mass send and tags', () => {
  it('tags users, sends by tag; a repeated clientmsgid is 45066 within a minute, then 45065 with the earlier msg_id', async () => {
    const app = newApp(sandbox, 'oa');
    const users = [openid(), openid(), openid()];
    for (const u of users) sandbox.wechat.addFollower(app.appid, u);
    const t = String((await stable(app)).access_token);
    const tag = (await wx('POST', '/cgi-bin/tags/create', { access_token: t }, { tag: { name: '海淀住房' } })).json.tag as { id: number };
    expect(tag.id).toBeGreaterThanOrEqual(100);
    const tagged = await wx('POST', '/cgi-bin/tags/members/batchtagging', { access_token: t }, { openid_list: users.slice(0, 2), tagid: tag.id });
    expect(tagged.json).toMatchObject({ errcode: 0 });
    const members = await wx('POST', '/cgi-bin/user/tag/get', { access_token: t }, { tagid: tag.id, next_openid: '' });
    expect(members.json).toEqual({ count: 2, data: { openid: users.slice(0, 2) }, next_openid: '' });
    const mass = { filter: { is_to_all: false, tag_id: tag.id }, msgtype: 'text', text: { content: '通知' }, clientmsgid: 'm-1' };
    const first = await wx('POST', SENDALL_PATH, { access_token: t }, mass);
    expect(first.json).toMatchObject({ errcode: 0, errmsg: 'send job submission success' });
    expect((await wx('POST', SENDALL_PATH, { access_token: t }, mass)).json).toMatchObject({ errcode: 45066 });
    now += MIN;
    const again = await wx('POST', SENDALL_PATH, { access_token: t }, mass);
    expect(again.json).toMatchObject({ errcode: 45065, msg_id: first.json.msg_id });
    expect(sandbox.wechat.massJobs(app.appid)).toMatchObject([{ msgId: first.json.msg_id, totalCount: 2, filterCount: 2 }]);
  });

  it('refuses empty text (44004) and a 101st mass send in a China day (45009), sending nothing', async () => {
    const app = newApp(sandbox, 'oa');
    sandbox.wechat.addFollower(app.appid, openid(), { tags: ['全区'] });
    const tagId = sandbox.wechat.createTag(app.appid, '全区');
    let t = String((await stable(app)).access_token);
    const send = (content: string) => wx('POST', SENDALL_PATH, { access_token: t }, { filter: { is_to_all: false, tag_id: tagId }, msgtype: 'text', text: { content } });
    expect((await send('  ')).json).toMatchObject({ errcode: 44004 });
    for (let n = 1; n <= 100; n++) expect((await send(`第${n}条`)).json, `send ${n}`).toMatchObject({ errcode: 0 });
    expect((await send('第101条')).json).toMatchObject({ errcode: 45009 });
    expect(sandbox.wechat.massJobs(app.appid)).toHaveLength(100);
    now += 24 * 60 * MIN;
    t = String((await stable(app)).access_token);
    expect((await send('次日第1条')).json).toMatchObject({ errcode: 0 });
  });

  it('filters users over 4 mass messages a month and refuses a 5th send to all (45028)', async () => {
    const app = newApp(sandbox, 'oa');
    const u = openid();
    sandbox.wechat.addFollower(app.appid, u, { tags: ['区县'] });
    const t = String((await stable(app)).access_token);
    const all = (n: number) => ({ filter: { is_to_all: true }, msgtype: 'text', text: { content: `第${n}条` } });
    for (let n = 1; n <= 4; n++) expect((await wx('POST', SENDALL_PATH, { access_token: t }, all(n))).json).toMatchObject({ errcode: 0 });
    expect((await wx('POST', SENDALL_PATH, { access_token: t }, all(5))).json).toMatchObject({ errcode: 45028 });
    const tagId = sandbox.wechat.createTag(app.appid, '区县');
    const byTag = await wx('POST', SENDALL_PATH, { access_token: t }, { ...all(6), filter: { is_to_all: false, tag_id: tagId } });
    expect(byTag.json).toMatchObject({ errcode: 0 });
    expect(sandbox.wechat.massJobs(app.appid).at(-1)).toMatchObject({ totalCount: 1, filterCount: 0 });
  });
});

describe('WeChat sandbox: mini program login, faults and admin routes', () => {
  it('code2Session codes are single-use (40163 when reused) and expire after 5 minutes (40029)', async () => {
    const mp = newApp(sandbox, 'mp');
    sandbox.wechat.issueCode(mp.appid, 'code-1', 'o-mp-1', 'u-union-1');
    sandbox.wechat.issueCode(mp.appid, 'code-2', 'o-mp-2');
    const login = (code: string, secret = mp.secret) =>
      wx('GET', '/sns/jscode2session', { appid: mp.appid, secret, js_code: code, grant_type: 'authorization_code' });
    expect((await login('code-1', 'wrong')).json).toMatchObject({ errcode: 40125 });
    const ok = (await login('code-1')).json;
    expect(ok).toMatchObject({ openid: 'o-mp-1', unionid: 'u-union-1' });
    expect(typeof ok.session_key).toBe('string');
    expect((await login('code-1')).json).toMatchObject({ errcode: 40163 });
    now += 5 * MIN;
    expect((await login('code-1')).json).toMatchObject({ errcode: 40029 });
    expect((await login('code-2')).json).toMatchObject({ errcode: 40029 });
  });

  it('injects faults by count (errcode, HTTP 503) through control and the admin route', async () => {
    const app = newApp(sandbox, 'oa');
    const t = String((await stable(app)).access_token);
    sandbox.wechat.faults.inject({ path: '/cgi-bin/tags/get', errcode: -1, count: 2 });
    expect(await tagsGet(t)).toMatchObject({ errcode: -1 });
    expect(await tagsGet(t)).toMatchObject({ errcode: -1 });
    expect(await tagsGet(t)).toEqual({ tags: [] });
    const added = await axios.post(`${sandbox.url}/sandbox/admin/wechat/faults`, { path: '/cgi-bin/tags/get', http: 503, count: 1 });
    expect(added.data).toEqual({ id: expect.any(Number) });
    expect((await wx('GET', '/cgi-bin/tags/get', { access_token: t })).status).toBe(503);
    expect(await tagsGet(t)).toEqual({ tags: [] });
    expect(sandbox.wechat.faults.active()).toEqual([]);
  });

  it('holds a call until released, so a test sees work in flight without timing it', async () => {
    const app = newApp(sandbox, 'oa');
    const t = String((await stable(app)).access_token);
    const held = sandbox.wechat.faults.inject({ path: '/cgi-bin/tags/get', hold: true, count: 1 });
    let answered = false;
    const call = tagsGet(t).then((body) => {
      answered = true;
      return body;
    });
    while (sandbox.wechat.faults.holding(held) === 0) await new Promise((r) => setImmediate(r));
    // The next call is not held (count 1), and answers while the first still waits.
    expect(await tagsGet(t)).toEqual({ tags: [] });
    expect(answered).toBe(false);
    sandbox.wechat.faults.release(held);
    expect(await call).toEqual({ tags: [] });
    expect(sandbox.wechat.faults.holding(held)).toBe(0);
  });

  it('drives the control over JSON admin routes, with 400 on bad input and 404 on unknown apps', async () => {
    const base = `${sandbox.url}/sandbox/admin/wechat`;
    const post = (path: string, body: unknown) => axios.post(`${base}${path}`, body, { validateStatus: () => true });
    const app = newApp(sandbox, 'mp');
    expect((await post('/consents', { appid: app.appid, openid: 'o-1', templateId: app.templateId, kind: 'one-time', count: 2 })).status).toBe(200);
    const consents = await axios.get(`${base}/consents`, { params: { appid: app.appid, openid: 'o-1' } });
    expect(consents.data).toEqual({ items: [{ openid: 'o-1', templateId: app.templateId, oneTime: 2, longTerm: false }] });
    expect((await post('/consents', { appid: app.appid, kind: 'sometimes' })).status).toBe(400);
    expect((await post('/followers', { appid: 'wx-nobody', openid: 'o-1' })).status).toBe(404);
    expect((await axios.get(`${base}/token-fetches`, { params: { appid: app.appid } })).data).toEqual({ token: 0, stableToken: 0 });
  });
});
