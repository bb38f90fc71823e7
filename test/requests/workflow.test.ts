import { describe, expect, it } from 'vitest';
import { SealError } from '../../core/crypto/sealed.ts';
import { DECISION_TYPES } from '../../core/requests/decisions.ts';
import { agencyRequestView } from '../../core/requests/views.ts';
import { WRONG_DATA_KEYS } from '../helpers/data-keys.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { ID_A, requestBody, requestWorld } from './world.ts';

const world = await requestWorld('requests-workflow');
const { db, http, at, services } = world;
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
const hdAdmin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const hdPress = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const other = await agencyWithKey(db, 'bj-dongcheng-zjw', 'publisher');

async function submit(body = requestBody('bj-haidian-zjw')) {
  const res = await http().post('/api/v1/requests').send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { receiptNumber: string; accessCode: string };
}

async function action(id: string, path: string, body: object, key = hd, status = 200) {
  const res = await http().post(`/api/v1/agency/requests/${id}/${path}`).set(key.auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

describe('submitting and the stored request', () => {
  it('stores the ID number, name, contact and description sealed, and shows the ID masked', async () => {
    at('2026-09-30T10:00:00+08:00');
    const { receiptNumber, accessCode } = await submit();
    expect(receiptNumber).toMatch(/^Y20260930-[0-9A-Z]{8}$/);
    expect(accessCode).toMatch(/^[0-9A-Z]{10}$/);
    const stored = await db.collection('info_requests').findOne({ _id: receiptNumber as never });
    const raw = JSON.stringify(stored);
    for (const secret of [ID_A, '张晓明', '13800138000', 'zhangxm@example.cn', '摇号过程记录', accessCode]) expect(raw).not.toContain(secret);
    expect(stored!.requester.idNumber).toMatch(/^gk1\.test1\./);
    const view = await http().get(`/api/v1/agency/requests/${receiptNumber}`).set(hd.auth);
    expect(view.status).toBe(200);
    expect(view.body.requester).toMatchObject({ name: '张晓明', idNumber: '1101**********002X', contact: { phone: '13800138000' } });
    expect(view.body).toMatchObject({ state: 'awaiting-receipt', channel: 'api', description: requestBody('x').description });
  });

  it('fails loudly when opened with the wrong key', async () => {
    const { receiptNumber } = await submit();
    const doc = (await services.requests.store.get(receiptNumber))!;
    expect(() => agencyRequestView(doc, WRONG_DATA_KEYS, {} as never, new Date())).toThrow(SealError);
  });

  it('answers 400 naming the field', async () => {
    const cases: [object, string][] = [
      [requestBody('bj-haidian-zjw', { requester: { ...requestBody('x').requester, idNumber: '110105194912310021' } }), 'requester.idNumber'],
      [requestBody('bj-haidian-zjw', { requester: { ...requestBody('x').requester, contact: {} } }), 'requester.contact'],
      [requestBody('bj-haidian-zjw', { delivery: 'fax' }), 'delivery'],
      [requestBody('bj-haidian-zjw', { description: '' }), 'description'],
      [requestBody('no-such-agency'), 'agency'],
    ];
    for (const [body, path] of cases) {
      const res = await http().post('/api/v1/requests').send(body);
      expect(res.status, path).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
  });

  it('gives a retried submission with the same Idempotency-Key the same receipt and code', async () => {
    const first = await http().post('/api/v1/requests').set('Idempotency-Key', 'form-retry-0001').send(requestBody('bj-haidian-zjw'));
    const again = await http().post('/api/v1/requests').set('Idempotency-Key', 'form-retry-0001').send(requestBody('bj-haidian-zjw'));
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    const changed = await http().post('/api/v1/requests').set('Idempotency-Key', 'form-retry-0001').send(requestBody('bj-haidian-zjw', { delivery: 'disc' }));
    expect(changed.status).toBe(409);
  });
});

describe('scope and the status page', () => {
  it('is 404 to another agency, for reading and for every action', async () => {
    const { receiptNumber } = await submit();
    expect((await http().get(`/api/v1/agency/requests/${receiptNumber}`).set(other.auth)).status).toBe(404);
    await action(receiptNumber, 'receive', {}, other, 404);
    await action(receiptNumber, 'reply', { decision: 'disclosed', text: '予以公开', information: '见附件' }, other, 404);
    const list = await http().get('/api/v1/agency/requests').set(other.auth);
    expect(list.body.items.map((i: { receiptNumber: string }) => i.receiptNumber)).not.toContain(receiptNumber);
    expect((await http().get('/api/v1/agency/requests').set(hdPress.auth)).status).toBe(403);
  });

  it('shows the requester each step, masked, only with the right access code', async () => {
    at('2026-09-30T10:00:00+08:00');
    const { receiptNumber, accessCode } = await submit();
    await action(receiptNumber, 'receive', {});
    await action(receiptNumber, 'assign', { assignee: '李四' });
    const status = await http().get(`/api/v1/requests/${receiptNumber}/status`).query({ code: accessCode });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ receiptNumber, state: 'in-progress', receivedOn: '2026-09-30', dueOn: '2026-11-03', requester: { name: '张*明', idNumber: '1101**********002X' } });
    expect(status.body.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'received', 'assigned']);
    expect(JSON.stringify(status.body)).not.toMatch(/李四|13800138000|zhangxm|东四北大街/);
    const wrong = await http().get(`/api/v1/requests/${receiptNumber}/status`).query({ code: 'AAAAAAAAAA' });
    expect(wrong.status).toBe(404);
  });
});

describe('the workflow on the clock', () => {
  it('runs 补正, a consultation and an extension, each audited and shown to the requester', async () => {
    at('2026-09-30T10:00:00+08:00');
    const { receiptNumber, accessCode } = await submit();
    expect((await action(receiptNumber, 'receive', {})).dueOn).toBe('2026-11-03');
    // A retry of a done action changes nothing.
    expect((await action(receiptNumber, 'receive', {})).version).toBe(2);
    at('2026-10-12T09:00:00+08:00');
    const asked = await action(receiptNumber, 'correction', { items: '请提供文件名称或文号', dueOn: '2026-10-23' });
    expect(asked).toMatchObject({ state: 'awaiting-correction', correctionDueOn: '2026-10-23' });
    await action(receiptNumber, 'correction', { items: '另一项', dueOn: '2026-10-23' }, hd, 409);
    at('2026-10-20T15:00:00+08:00');
    expect(await action(receiptNumber, 'corrected', { description: '海住建〔2026〕12号文件' })).toMatchObject({ state: 'in-progress', countFrom: '2026-10-20', dueOn: '2026-11-17' });
    at('2026-10-22T09:00:00+08:00');
    // The third party has 15 working days (第三十二条): 10-23, 10-26 … 10-30, 11-02 … 11-06, 11-09 … 11-12.
    expect(await action(receiptNumber, 'consultation', { party: 'third-party' })).toMatchObject({ state: 'consulting', opinionDueOn: '2026-11-12' });
    at('2026-10-27T09:00:00+08:00');
    // 10-23, 10-26, 10-27 are not counted: 11-17 moves to 11-20.
    expect(await action(receiptNumber, 'consultation/end', {})).toMatchObject({ state: 'in-progress', dueOn: '2026-11-20', pausedWorkingDays: 3 });
    expect(await action(receiptNumber, 'extend', { days: 15, approver: '王主任', reason: '需调阅档案' }, hdAdmin)).toMatchObject({ extendedDays: 15, dueOn: '2026-12-11' });
    await action(receiptNumber, 'extend', { days: 5, approver: '王主任', reason: '再延' }, hd, 409);
    at('2026-12-11T17:00:00+08:00');
    const replied = await action(receiptNumber, 'reply', { decision: 'disclosed', text: '现予公开。', information: '摇号过程记录见附件', attachments: [{ name: '摇号记录.pdf', url: 'https://example.gov.cn/a.pdf' }] });
    expect(replied).toMatchObject({ state: 'decided', onTime: true, reply: { decision: 'disclosed', basis: '《中华人民共和国政府信息公开条例》第三十六条第（二）项' } });
    const audit = await db.collection('audit').find({ subject: receiptNumber }).toArray();
    expect(audit.map((a) => a.action).sort()).toEqual(
      ['request.submitted', 'request.received', 'request.correction-requested', 'request.corrected', 'request.consultation-started', 'request.consultation-ended', 'request.extended', 'request.decided'].sort(),
    );
    expect(JSON.stringify(audit)).not.toMatch(/张晓明|002X|13800138000|请提供文件名称/);
    const status = await http().get(`/api/v1/requests/${receiptNumber}/status`).query({ code: accessCode });
    expect(status.body.events.map((e: { type: string }) => e.type)).toEqual(['submitted', 'received', 'correction-requested', 'corrected', 'consultation-started', 'consultation-ended', 'extended', 'decided']);
    expect(status.body.events.find((e: { type: string }) => e.type === 'extended')).toMatchObject({ days: 15, reason: '需调阅档案', approvedBy: '经政府信息公开工作机构负责人同意' });
    expect(status.body.reply).toMatchObject({ decision: 'disclosed', decisionName: '予以公开', information: '摇号过程记录见附件' });
  });

  it('refuses a correction asked for after 7 working days, and closes an uncorrected request as abandoned', async () => {
    at('2026-09-30T10:00:00+08:00');
    const late = await submit();
    await action(late.receiptNumber, 'receive', {});
    at('2026-10-16T10:00:00+08:00');
    const refused = await action(late.receiptNumber, 'correction', { items: '补充', dueOn: '2026-10-30' }, hd, 409);
    expect(refused.error.message).toContain('2026-10-15');
    at('2026-10-09T10:00:00+08:00');
    const { receiptNumber } = await submit();
    await action(receiptNumber, 'receive', {});
    await action(receiptNumber, 'correction', { items: '补充身份证明', dueOn: '2026-10-16' });
    at('2026-10-16T18:00:00+08:00');
    await action(receiptNumber, 'abandon', {}, hd, 409);
    at('2026-10-19T09:00:00+08:00');
    expect(await action(receiptNumber, 'abandon', {})).toMatchObject({ state: 'abandoned', closedOn: '2026-10-19' });
    await action(receiptNumber, 'reply', { decision: 'disclosed', text: '予以公开', information: 'x' }, hd, 409);
  });

  it('answers every decision type and reason through the API, refusing one without its required parts', async () => {
    at('2026-10-09T10:00:00+08:00');
    const bodies = DECISION_TYPES.flatMap((type) =>
      (type.reasons?.length ? type.reasons.map((r) => r.code) : [undefined]).map((reason) => ({
        decision: type.code,
        ...(reason ? { reason } : {}),
        text: `答复：${type.name}`,
        ...(type.code === 'already-public' ? { location: '海淀区政府网站“政府信息公开”专栏', url: 'https://www.bjhd.gov.cn/zfxxgk/1.html' } : {}),
        ...(type.requires?.includes('information') ? { information: '所申请的信息见附件' } : {}),
        ...(type.requires?.includes('withheldReason') ? { withheldReason: '含第三方个人隐私' } : {}),
        ...(reason === 'not-held' ? { responsibleAgency: '北京市规划和自然资源委员会海淀分局，电话 010-00000000' } : {}),
      })),
    );
    expect(bodies).toHaveLength(19);
    for (const body of bodies) {
      const { receiptNumber } = await submit();
      await action(receiptNumber, 'receive', {});
      const replied = await action(receiptNumber, 'reply', body);
      expect(replied, body.decision).toMatchObject({ state: 'decided', onTime: true, reply: { decision: body.decision, text: body.text } });
      expect(replied.reply.basis).toMatch(/^《中华人民共和国政府信息公开条例》第/);
      expect(replied.reply.notice.length).toBeGreaterThan(5);
      // A retry of the same reply is harmless; another reply is not.
      expect((await action(receiptNumber, 'reply', body)).version).toBe(replied.version);
      await action(receiptNumber, 'reply', { decision: 'not-processed', reason: 'repeated', text: '重复申请' }, hd, 409);
    }
    const { receiptNumber } = await submit();
    await action(receiptNumber, 'receive', {});
    const missing = [
      [{ decision: 'not-disclosed', text: 'x' }, 'reason'],
      [{ decision: 'already-public', text: 'x', location: '网站' }, 'url'],
      [{ decision: 'partly-disclosed', text: 'x', information: 'y' }, 'withheldReason'],
      [{ decision: 'disclosed', reason: 'state-secret', text: 'x', information: 'y' }, 'reason'],
    ] as const;
    for (const [body, path] of missing) {
      const res = await http().post(`/api/v1/agency/requests/${receiptNumber}/reply`).set(hd.auth).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
  });

  it('registers an in-person request on the day it was submitted, and lists requests with due dates and lateness', async () => {
    at('2026-11-10T10:00:00+08:00');
    const registered = await http()
      .post('/api/v1/agency/requests')
      .set(hd.auth)
      .send({ ...requestBody('x', { requester: { type: 'commercial', name: '北京某科技有限公司', idType: 'credit-code', idNumber: '91110108MA00000000', contact: { phone: '010-12345678' } } }), agency: undefined, channel: 'in-person', receivedOn: '2026-10-09' });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    // From Friday 10-09: 10-10 (调休 Saturday) 1, 10-12 … 10-30 16, 11-02 … 11-05 20.
    expect(registered.body).toMatchObject({ state: 'in-progress', receivedOn: '2026-10-09', dueOn: '2026-11-05', overdue: true, channel: 'in-person' });
    expect(registered.body.accessCode).toMatch(/^[0-9A-Z]{10}$/);
    const list = await http().get('/api/v1/agency/requests').query({ open: 'true', limit: 100 }).set(hd.auth);
    const line = list.body.items.find((i: { receiptNumber: string }) => i.receiptNumber === registered.body.receiptNumber);
    expect(line).toMatchObject({ requesterType: 'commercial', dueOn: '2026-11-05', overdue: true, state: 'in-progress' });
    expect(JSON.stringify(list.body)).not.toMatch(/北京某科技|91110108|张晓明|002X|摇号过程/);
  });
});
