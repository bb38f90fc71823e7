import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { agencyWithKey } from '../helpers/registry.ts';
import { ID_A, requestBody, requestWorld } from './world.ts';

const world = await requestWorld('requests-report');
const { db, http, at, logs, readModel } = world;
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
const hdAdmin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const hp = await agencyWithKey(db, 'sh-huangpu-zjw', 'publisher');

const PERSONAL = ['张晓明', ID_A, '13800138000', 'zhangxm@example.cn', '东四北大街', '摇号过程记录'];
const kind = (type: string) => ({ requester: { ...requestBody('x').requester, type, ...(type === 'natural' ? {} : { name: `${type} 机构`, idType: 'credit-code', idNumber: '91110108MA00000000' }) } });

async function submit(iso: string, agency = 'bj-haidian-zjw', type = 'natural', receive = true, key = hd) {
  at(iso);
  const res = await http().post('/api/v1/requests').send(requestBody(agency, kind(type)));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (receive) await act(res.body.receiptNumber, 'receive', {}, key);
  return res.body.receiptNumber as string;
}

async function act(id: string, path: string, body: object, key = hd, iso?: string) {
  if (iso) at(iso);
  const res = await http().post(`/api/v1/agency/requests/${id}/${path}`).set(key.auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const pending = async (withinDays: number) => (await http().get('/api/v1/compliance/pending').query({ withinDays }).set(hd.auth)).body.requests as { receiptNumber: string; warning: string; dueOn?: string }[];

// A year of requests, in the order things happened.
const R1 = await submit('2025-12-29T10:00:00+08:00');
const R2 = await submit('2025-12-30T10:00:00+08:00', 'bj-haidian-zjw', 'commercial');
await act(R2, 'reply', { decision: 'disclosed', text: '予以公开', information: '见附件' }, hd, '2025-12-31T10:00:00+08:00');
await act(R1, 'reply', { decision: 'disclosed', text: '予以公开', information: '见附件' }, hd, '2026-01-06T10:00:00+08:00');
const R3 = await submit('2026-03-02T10:00:00+08:00');
await act(R3, 'reply', { decision: 'not-disclosed', reason: 'third-party-rights', text: '涉及第三方个人隐私' }, hd, '2026-03-10T10:00:00+08:00');
const R8 = await submit('2026-05-06T10:00:00+08:00', 'sh-huangpu-zjw', 'natural', true, hp);
await act(R8, 'reply', { decision: 'cannot-provide', reason: 'not-held', text: '本机关不掌握', responsibleAgency: '上海市黄浦区规划资源局' }, hp);
const R4 = await submit('2026-09-30T10:00:00+08:00', 'bj-haidian-zjw', 'research');
const R5 = await submit('2026-10-09T10:00:00+08:00', 'bj-haidian-zjw', 'legal-services');
await act(R5, 'correction', { items: '请补充委托书', dueOn: '2026-10-23' }, hd, '2026-10-12T10:00:00+08:00');
at('2026-10-26T09:00:00+08:00');
const pendingOct26 = await pending(7);
await act(R5, 'abandon', {});
const R10 = await submit('2026-10-30T10:00:00+08:00', 'bj-haidian-zjw', 'natural', false);
const pendingOct30 = await pending(5);
await act(R10, 'receive', {});
await act(R10, 'reply', { decision: 'not-processed', reason: 'repeated', text: '重复申请，不予重复处理' }, hd, '2026-11-02T10:00:00+08:00');
at('2026-11-04T09:00:00+08:00');
const pendingNov4 = await pending(5);
await act(R4, 'reply', { decision: 'disclosed', text: '现予公开', information: '科研项目经费使用情况表' });
const R6 = await submit('2026-12-28T10:00:00+08:00');
const R9 = await submit('2026-12-30T10:00:00+08:00');
await submit('2026-12-31T10:00:00+08:00', 'bj-haidian-zjw', 'nonprofit', false); // never confirmed in 2026
await act(R9, 'reply', { decision: 'disclosed', text: '予以公开', information: '见附件' }, hd, '2027-01-05T10:00:00+08:00');

describe('compliance pending', () => {
  it('warns of a correction past its deadline, a submission to confirm, a deadline near and one passed', () => {
    expect(pendingOct26.map((p) => [p.receiptNumber, p.warning])).toEqual([[R5, 'correction-overdue']]);
    expect(pendingOct30.map((p) => [p.receiptNumber, p.warning, p.dueOn])).toEqual([
      [R4, 'due-soon', '2026-11-03'],
      [R10, 'confirm-receipt', undefined],
    ]);
    expect(pendingNov4.map((p) => [p.receiptNumber, p.warning])).toEqual([[R4, 'overdue']]);
    void R6;
  });
});

describe('the annual report’s table 三 (国办公开办函〔2021〕30号)', () => {
  const pick = (lines: { key: string; counts: Record<string, number> }[], key: string) => lines.find((l) => l.key === key)!.counts;
  const zero = { natural: 0, commercial: 0, research: 0, nonprofit: 0, 'legal-services': 0, other: 0, total: 0 };

  it('counts the agency’s 2026, checked by hand', async () => {
    const res = await http().get('/api/v1/reports/annual').query({ year: 2026 }).set(hd.auth);
    expect(res.status).toBe(200);
    const { lines, onTime, late } = res.body.requests;
    // Received in 2026: R3, R10, R6, R9 (natural), R4 (research), R5 (legal services); R7 was never confirmed.
    expect(pick(lines, 'received')).toEqual({ ...zero, natural: 4, research: 1, 'legal-services': 1, total: 6 });
    // From 2025: R1 (R2 was answered in 2025).
    expect(pick(lines, 'carried-in')).toEqual({ ...zero, natural: 1, total: 1 });
    expect(pick(lines, 'disclosed')).toEqual({ ...zero, natural: 1, research: 1, total: 2 }); // R1, R4
    expect(pick(lines, 'not-disclosed/third-party-rights')).toEqual({ ...zero, natural: 1, total: 1 }); // R3
    expect(pick(lines, 'not-processed/repeated')).toEqual({ ...zero, natural: 1, total: 1 }); // R10
    expect(pick(lines, 'other/abandoned')).toEqual({ ...zero, 'legal-services': 1, total: 1 }); // R5, 视为放弃
    expect(pick(lines, 'other/unpaid-fee')).toEqual(zero);
    expect(pick(lines, 'cannot-provide/not-held')).toEqual(zero); // R8 is Huangpu's
    expect(pick(lines, 'total')).toEqual({ ...zero, natural: 3, research: 1, 'legal-services': 1, total: 5 });
    expect(pick(lines, 'carried-out')).toEqual({ ...zero, natural: 2, total: 2 }); // R6, R9
    // 第一项 + 第二项 = 第三项 + 第四项: 6 + 1 = 5 + 2.
    expect(lines).toHaveLength(2 + (1 + 1 + 8 + 3 + 5 + 3) + 1 + 1); // 一、二; （一）…（六） by reason; （七）总计; 四
    // On time: R1, R3, R10; late: R4 (due 11-03, answered 11-04).
    expect([onTime, late]).toEqual([3, 1]);
  });

  it('adds up every agency for an admin, and gives the table as CSV', async () => {
    const all = await http().get('/api/v1/reports/annual').query({ year: 2026 }).set(hdAdmin.auth);
    expect(pick(all.body.requests.lines, 'received')).toEqual({ ...zero, natural: 5, research: 1, 'legal-services': 1, total: 7 });
    expect(pick(all.body.requests.lines, 'cannot-provide/not-held')).toEqual({ ...zero, natural: 1, total: 1 });
    expect([all.body.requests.onTime, all.body.requests.late]).toEqual([4, 1]);
    const csv = await http().get('/api/v1/reports/annual').query({ year: 2026, format: 'csv', table: 'requests' }).set(hd.auth).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(csv.headers['content-disposition']).toContain('gongkai-annual-2026-requests.csv');
    const rows = (csv.body as string).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toBe('"项目","自然人","法人或其他组织：商业企业","法人或其他组织：科研机构","法人或其他组织：社会公益组织","法人或其他组织：法律服务机构","法人或其他组织：其他","总计"');
    expect(rows[1]).toBe('"一、本年新收政府信息公开申请数量","4","0","1","0","1","0","6"');
    expect(rows.at(-2)).toBe('"按期答复数","3"');
    // A year without requests keeps the report's earlier shape.
    expect((await http().get('/api/v1/reports/annual').query({ year: 2024 }).set(hd.auth)).body).toEqual({ year: 2024, rows: [] });
  });
});

describe('a resident sees only their own requests', () => {
  it('lists and opens the resident’s own, 404 for another’s', async () => {
    at('2026-11-10T10:00:00+08:00');
    const a = await world.login('resident-a');
    const b = await world.login('resident-b');
    const mine = [];
    for (let i = 0; i < 2; i++) {
      const res = await http().post('/api/v1/me/requests').set(a).send(requestBody('bj-haidian-zjw'));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      mine.push(res.body.receiptNumber);
    }
    const theirs = (await http().post('/api/v1/me/requests').set(b).send(requestBody('bj-haidian-zjw', { description: '另一位居民的申请' }))).body.receiptNumber;
    const list = await http().get('/api/v1/me/requests').set(a);
    expect(list.body.items.map((i: { receiptNumber: string }) => i.receiptNumber).sort()).toEqual(mine.sort());
    expect(list.body.items[0]).toMatchObject({ channel: 'miniprogram', state: 'awaiting-receipt' });
    expect((await http().get(`/api/v1/me/requests/${mine[0]}`).set(a)).body).toMatchObject({ receiptNumber: mine[0], requester: { name: '张*明' } });
    expect((await http().get(`/api/v1/me/requests/${theirs}`).set(a)).status).toBe(404);
    expect((await http().get('/api/v1/me/requests').set(b)).body.items.map((i: { receiptNumber: string }) => i.receiptNumber)).toEqual([theirs]);
    expect((await http().get('/api/v1/me/requests')).status).toBe(401);
  });
});

describe('a reply that matters to many', () => {
  it('becomes a draft 依申请公开结果 through the normal create path, without the requester’s data', async () => {
    at('2026-11-10T10:00:00+08:00');
    const body = { title: '关于公共租赁住房摇号过程的依申请公开结果', summary: '应申请公开：2026年度公共租赁住房摇号过程表。', region: '110108', field: 'housing' };
    const refused = await http().post(`/api/v1/agency/requests/${R1}/publish`).set(hd.auth).send({ ...body, summary: '应张晓明申请公开' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields[0].path).toBe('summary');
    const made = await http().post(`/api/v1/agency/requests/${R1}/publish`).set(hd.auth).send(body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ status: 'draft', itemType: 'request-result', revisions: [{ content: { decision: 'disclosed', answeredOn: '2026-01-06' } }] });
    const again = await http().post(`/api/v1/agency/requests/${R1}/publish`).set(hd.auth).send(body);
    expect([again.status, again.body.id]).toEqual([200, made.body.id]);
    expect((await http().get(`/api/v1/agency/requests/${R1}`).set(hd.auth)).body.reply.disclosureId).toBe(made.body.id);
    expect((await http().post(`/api/v1/agency/requests/${R3}/publish`).set(hd.auth).send(body)).status).toBe(409);
    const published = await http().post(`/api/v1/disclosures/${made.body.id}/publish`).set(hd.auth);
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const view = await http().get(`/api/v1/disclosures/${made.body.id}`);
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.body)).not.toContain(R1);
    for (const secret of PERSONAL) expect(JSON.stringify(view.body)).not.toContain(secret);
  });
});

describe('personal data stays out', () => {
  it('of the logs, the public endpoints and the read model', async () => {
    // A refused submission, a status read with its access code: neither leaves a trace in the logs.
    const bad = await http().post('/api/v1/requests').send(requestBody('bj-haidian-zjw', { requester: { ...requestBody('x').requester, idNumber: '110105194912310021' } }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain('110105194912310021');
    const { receiptNumber, accessCode } = (await http().post('/api/v1/requests').send(requestBody('bj-haidian-zjw'))).body;
    expect((await http().get(`/api/v1/requests/${receiptNumber}/status`).query({ code: accessCode })).status).toBe(200);
    const text = logs.join('\n');
    for (const secret of ['110105194912310021', accessCode]) expect(text).not.toContain(secret);
    expect(logs.length).toBeGreaterThan(20);
    for (const secret of PERSONAL) expect(text, secret).not.toContain(secret);
    for (const path of ['/api/v1/disclosures', '/api/v1/disclosures?q=科研', '/feeds/rss.xml', '/feeds/feed.json', '/api/v1/requests/decisions']) {
      const res = await http().get(path);
      expect(res.status, path).toBe(200);
      for (const secret of PERSONAL) expect(res.text, `${path} ${secret}`).not.toContain(secret);
    }
    const file = new Database(readModel.file, { readonly: true });
    const tables = file.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    expect(tables).toContain('request_rows');
    for (const table of tables) {
      const dump = JSON.stringify(file.prepare(`SELECT * FROM "${table}"`).all());
      for (const secret of PERSONAL) expect(dump, `${table} ${secret}`).not.toContain(secret);
    }
    file.close();
  });
});
