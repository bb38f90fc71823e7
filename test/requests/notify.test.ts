import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { sent } from '../channels/wechat-helpers.ts';
import { ID_A, requestBody, requestWorld } from './world.ts';

const SUBSCRIBE_PATH = '/cgi-bin/message/subscribe/send';
const { db, http, at, login, sandbox } = await requestWorld('requests-notify');
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');
const MP = SANDBOX_APPS.mp;

async function residentRequest(openid: string, consent: boolean) {
  const auth = await login(openid);
  if (consent) {
    sandbox.wechat.grantConsent(MP.appId, openid, MP.templateId, 'one-time', 5);
    const res = await http().post('/api/v1/me/consents').set(auth).send({ results: { [MP.templateId]: 'accept' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  const res = await http().post('/api/v1/me/requests').set(auth).send(requestBody('bj-haidian-zjw'));
  expect(res.status).toBe(201);
  return res.body.receiptNumber as string;
}

const step = (id: string, path: string, body: object = {}) => http().post(`/api/v1/agency/requests/${id}/${path}`).set(hd.auth).send(body);

describe('subscribe messages for a resident’s request', () => {
  it('tells a consenting resident of a step once, spending the one-time grant, and no one else', async () => {
    at('2026-10-09T10:00:00+08:00');
    const id = await residentRequest('notice-a', true);
    expect((await step(id, 'receive')).status).toBe(200);
    expect((await step(id, 'receive')).status).toBe(200); // a retry sends nothing more
    const notices = sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, 'notice-a');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toMatchObject({
      template_id: MP.templateId,
      page: `pages/request/request?receipt=${id}`,
      data: { thing1: { value: '政府信息公开申请已收到' }, thing2: { value: '北京市海淀区住房和城乡建设委员会' }, time3: { value: '2026年10月9日 10:00' } },
    });
    expect(JSON.stringify(notices[0]!.body)).not.toMatch(new RegExp(`张晓明|${ID_A}|13800138000|摇号过程`));
    expect((await db.collection('consents').findOne({ openid: 'notice-a' }))!.remaining).toBe(0);
    // The grant is spent: the next step is not sent.
    expect((await step(id, 'assign', { assignee: '李四' })).status).toBe(200);
    expect((await step(id, 'correction', { items: '请补充文号', dueOn: '2026-10-16' })).status).toBe(200);
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, 'notice-a')).toHaveLength(1);

    const other = await residentRequest('notice-b', false);
    expect((await step(other, 'receive')).status).toBe(200);
    expect(sent(sandbox, 'wechat-mp', SUBSCRIBE_PATH, 'notice-b')).toHaveLength(0);
  });
});
