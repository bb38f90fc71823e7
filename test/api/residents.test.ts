import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { fanOutWorld, OA_CALLBACK_TOKEN } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const { db, sandbox, http } = await fanOutWorld('residents');
const MP = SANDBOX_APPS.mp.appId;
const TEMPLATE = SANDBOX_APPS.mp.templateId;
let codes = 0;

/** A resident as the mini-program makes one: wx.login's code, exchanged through the sandbox. */
async function login(openid: string): Promise<{ Authorization: string }> {
  const code = `code-${++codes}`;
  sandbox.wechat.issueCode(MP, code, openid);
  const res = await http().post('/api/v1/mp/login').send({ code });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.token).toMatch(/^ms1\./);
  return { Authorization: `Bearer ${res.body.token}` };
}

describe('mini-program login', () => {
  it('exchanges a code for a session and records the resident without the session_key', async () => {
    await login('resident-a');
    const stored = await db.collection('subscribers').findOne({ openid: 'resident-a' });
    expect(stored).toMatchObject({ appId: MP, kind: 'mp-user', status: 'active' });
    expect(JSON.stringify(stored)).not.toMatch(/session/i);
  });

  it('refuses an unknown or reused code with 400 naming the code', async () => {
    const bad = await http().post('/api/v1/mp/login').send({ code: 'never-issued' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('code');
    sandbox.wechat.issueCode(MP, 'once', 'resident-b');
    expect((await http().post('/api/v1/mp/login').send({ code: 'once' })).status).toBe(200);
    // The sandbox answers the reuse with WeChat's 40163; the API names the field.
    const reused = await http().post('/api/v1/mp/login').send({ code: 'once' });
    expect(reused.status).toBe(400);
    expect(reused.body.error.fields[0]).toMatchObject({ path: 'code', message: expect.stringMatching(/invalid or used/) });
  });

  it('answers 401 without a session, with a forged one and with an agency key', async () => {
    const auth = await login('resident-c');
    const forged = auth.Authorization.slice(0, -3) + (auth.Authorization.endsWith('AAA') ? 'BBB' : 'AAA');
    for (const header of [undefined, forged, 'Bearer gk_0000000000000000_' + '0'.repeat(64)]) {
      const res = await http().get('/api/v1/me/subscriptions').set(header ? { Authorization: header } : {});
      expect(res.status).toBe(401);
    }
  });
});

describe('subscriptions of the signed-in resident', () => {
  it('creates, lists and deletes, storing filters as the fan-out matches them', async () => {
    const auth = await login('resident-d');
    const byRegion = await http().post('/api/v1/me/subscriptions').set(auth).send({ field: 'housing', region: '110100' });
    expect(byRegion.status).toBe(201);
    expect(byRegion.body).toMatchObject({ field: 'housing', region: '1101', channel: 'wechat-mp' });
    const byKeyword = await http().post('/api/v1/me/subscriptions').set(auth).send({ keywords: '公共租赁 摇号' });
    expect(byKeyword.body.keywords).toBe('公共租赁 摇号');
    const stored = await db.collection('subscriptions').findOne({ address: 'resident-d', keywords: { $ne: [] } });
    expect(stored?.keywords).toEqual(['公共', '租赁', '摇号']);
    const list = await http().get('/api/v1/me/subscriptions').set(auth);
    expect(list.body.items).toHaveLength(2);
    expect((await http().delete(`/api/v1/me/subscriptions/${byRegion.body.id}`).set(auth)).status).toBe(204);
    expect((await http().get('/api/v1/me/subscriptions').set(auth)).body.items).toHaveLength(1);
  });

  it('refuses empty and malformed filters, naming the field', async () => {
    const auth = await login('resident-e');
    const empty = await http().post('/api/v1/me/subscriptions').set(auth).send({});
    expect(empty.status).toBe(400);
    const bad = await http().post('/api/v1/me/subscriptions').set(auth).send({ applicationNumber: 'HD 2026/01' });
    expect(bad.body.error.fields[0].path).toBe('applicationNumber');
    const region = await http().post('/api/v1/me/subscriptions').set(auth).send({ region: '1101' });
    expect(region.body.error.fields[0].path).toBe('region');
  });

  it('never lets one resident delete another’s subscription', async () => {
    const mine = await login('resident-f');
    const theirs = await login('resident-g');
    const created = await http().post('/api/v1/me/subscriptions').set(theirs).send({ field: 'land' });
    expect((await http().delete(`/api/v1/me/subscriptions/${created.body.id}`).set(mine)).status).toBe(404);
    expect((await http().get('/api/v1/me/subscriptions').set(theirs)).body.items).toHaveLength(1);
  });
});

describe('consent', () => {
  it('counts one-time accepts, revokes on reject, and refuses unknown templates', async () => {
    const auth = await login('resident-h');
    expect((await http().get('/api/v1/mp/config')).body).toEqual({ templateIds: [TEMPLATE], templateKind: 'one-time' });
    await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'accept' } }).expect(200);
    const twice = await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'accept' } });
    expect(twice.body.items).toEqual([expect.objectContaining({ templateId: TEMPLATE, kind: 'one-time', remaining: 2, revoked: false })]);
    const filtered = await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'filter' } });
    expect(filtered.body.items[0].remaining).toBe(2);
    const rejected = await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'reject' } });
    expect(rejected.body.items[0]).toMatchObject({ remaining: 0, revoked: true });
    const unknown = await http().post('/api/v1/me/consents').set(auth).send({ results: { someOtherTemplate: 'accept' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields[0].path).toBe('results.someOtherTemplate');
  });
});

describe('personal data (个人信息保护法)', () => {
  it('exports everything held about the resident, then deletes it all', async () => {
    const auth = await login('resident-i');
    await http().post('/api/v1/me/subscriptions').set(auth).send({ applicationNumber: 'HD-1' }).expect(201);
    await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'accept' } }).expect(200);
    const exported = await http().get('/api/v1/me/export').set(auth);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toContain('gongkai-my-data.json');
    expect(exported.body).toMatchObject({ subscriber: { openid: 'resident-i' }, subscriptions: [{ applicationNumber: 'HD-1' }], consents: [{ remaining: 1 }] });
    const deleted = await http().delete('/api/v1/me').set(auth);
    expect(deleted.body.deleted).toMatchObject({ subscriptions: 1, consents: 1 });
    for (const name of ['subscribers', 'subscriptions', 'consents']) {
      expect(await db.collection(name).countDocuments({ $or: [{ openid: 'resident-i' }, { address: 'resident-i' }] })).toBe(0);
    }
    expect((await http().get('/api/v1/me/subscriptions').set(auth)).status).toBe(401);
  });
});

describe('feedback on a disclosure', () => {
  it('stores a comment, limits how often, and refuses drafts', async () => {
    const agency = await agencyWithKey(db, 'bj-haidian-zjw');
    const draft = await http().post('/api/v1/disclosures').set(agency.auth).send(allocationResult());
    const auth = await login('resident-j');
    expect((await http().post(`/api/v1/disclosures/${draft.body.id}/feedback`).set(auth).send({ text: '请问何时公布？' })).status).toBe(404);
    await http().post(`/api/v1/disclosures/${draft.body.id}/publish`).set(agency.auth).expect(200);
    for (let i = 0; i < 5; i++) {
      expect((await http().post(`/api/v1/disclosures/${draft.body.id}/feedback`).set(auth).send({ text: `第${i}条意见：摇号过程应当公开` })).status).toBe(201);
    }
    const sixth = await http().post(`/api/v1/disclosures/${draft.body.id}/feedback`).set(auth).send({ text: '第六条意见内容' });
    expect(sixth.status).toBe(429);
    const tooLong = await http().post(`/api/v1/disclosures/${draft.body.id}/feedback`).set(await login('resident-k')).send({ text: '长'.repeat(501) });
    expect(tooLong.body.error.fields[0].path).toBe('text');
    expect(await db.collection('feedback').countDocuments({ disclosureId: draft.body.id })).toBe(5);
  });
});

describe('end to end: follow my application', () => {
  it('notifies the resident about the result listing their number and not about another', async () => {
    const agency = await agencyWithKey(db, 'bj-haidian-zjw');
    const openid = 'resident-e2e';
    const auth = await login(openid);
    await http().post('/api/v1/me/subscriptions').set(auth).send({ applicationNumber: 'HD2026-0777' }).expect(201);
    // What the mini-program does after wx.requestSubscribeMessage: WeChat keeps the credit, we count it.
    sandbox.wechat.grantConsent(MP, openid, TEMPLATE, 'one-time');
    await http().post('/api/v1/me/consents').set(auth).send({ results: { [TEMPLATE]: 'accept' } }).expect(200);
    sandbox.wechat.addSubscriber(MP, openid);

    const publish = async (numbers: string[], title: string) => {
      const created = await http().post('/api/v1/disclosures').set(agency.auth).send(allocationResult({ title, content: allocationContent(numbers) }));
      await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(agency.auth).expect(200);
      return created.body.id as string;
    };
    const other = await publish(['HD2026-0001', 'HD2026-0002'], '第一批分配结果（不含该编号）');
    const mine = await publish(['HD2026-0776', 'HD2026-0777'], '第二批分配结果（含该编号）');
    const sentTo = async () => sandbox.outbox.list('wechat-mp').filter((e) => (e.body as { touser?: string }).touser === openid);
    await waitFor(sentTo, (list) => list.length >= 1);
    await waitFor(
      () => db.collection('fanouts').countDocuments({ disclosureId: { $in: [other, mine] }, outboxKey: 'r1~wechat-mp', state: 'done' }),
      (n) => n === 2,
    );
    const received = await sentTo();
    expect(received).toHaveLength(1);
    expect(JSON.stringify(received[0]!.body)).toContain('第二批分配结果');
    expect(JSON.stringify(received[0]!.body)).toContain(`id=${mine}`);
  });
});

describe('end to end: an official-account follower subscribes by keyword', () => {
  it('gets a template message for the result listing their number, through the real callback', async () => {
    const agency = await agencyWithKey(db, 'bj-haidian-zjw');
    const openid = 'follower-e2e';
    sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, openid);
    const now = new Date();
    const say = async (fields: Record<string, string | number>) => {
      const xml = pushXml({ ToUserName: 'gh_gongkai', FromUserName: openid, CreateTime: Math.floor(now.getTime() / 1000), ...fields });
      const { query, body } = signPush({ token: OA_CALLBACK_TOKEN, appId: SANDBOX_APPS.oa.appId }, xml, { now });
      const res = await http().post('/wechat/oa').query(query).set('Content-Type', 'text/xml').send(body);
      expect(res.status).toBe(200);
      return res.text;
    };
    expect(await say({ MsgType: 'event', Event: 'subscribe' })).toContain('订阅');
    expect(await say({ MsgType: 'text', Content: '订阅 申请 HD2026-0888', MsgId: '7054768590064719999' })).toContain('HD2026-0888');

    const created = await http().post('/api/v1/disclosures').set(agency.auth).send(allocationResult({ content: allocationContent(['HD2026-0888']) }));
    await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(agency.auth).expect(200);
    const sent = await waitFor(
      async () => sandbox.outbox.list('wechat-oa').filter((e) => (e.body as { touser?: string }).touser === openid),
      (list) => list.length >= 1,
    );
    expect(sent).toHaveLength(1);
    expect((sent[0]!.body as { url: string }).url).toContain(created.body.id);
  });
});
