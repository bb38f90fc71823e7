import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http, clock } = await registryApp('annual-report');
const HD_NAME = '北京市海淀区住房和城乡建设委员会';
const HP_NAME = '=HYPERLINK("http://evil.example")黄浦区公共资源交易中心';
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', HD_NAME);
const hp = await agencyWithKey(db, 'sh-huangpu-ggzy', 'publisher', HP_NAME);
const hdPress = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const admin = await agencyWithKey(db, 'gov-admin', 'admin', '国务院办公厅政府信息与政务公开办公室');
type Agency = typeof hd;

const at = (chinaTime: string) => (clock.now = new Date(`${chinaTime}+08:00`));
const budget = (formedAt: string, title: string) => ({
  field: 'procurement',
  itemType: 'budget',
  title,
  region: '110108',
  formedAt,
  basis: 'produce',
  content: { year: 2026, purchaser: HD_NAME, projectName: '保障性住房小区物业服务采购', amount: 1_200_000 },
});

async function call(agency: Agency, path: string, body: Record<string, unknown> = {}, status = 200) {
  const res = await http().post(path).set(agency.auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
/** Creates an item at 09:00 on its formedAt day and publishes it at `publishAt` (China time). */
async function item(agency: Agency, body: Record<string, unknown>, publishAt?: string) {
  at(`${body.formedAt}T09:00:00`);
  const draft = await call(agency, '/api/v1/disclosures', body, 201);
  if (!publishAt) return { id: draft.id as string, dueOn: draft.dueOn as string, onTime: undefined };
  at(publishAt);
  const published = await call(agency, `/api/v1/disclosures/${draft.id}/publish`);
  return { id: draft.id as string, dueOn: draft.dueOn as string, onTime: published.onTime as boolean };
}
const correct = (agency: Agency, id: string, when: string, title: string) => {
  at(when);
  return call(agency, `/api/v1/disclosures/${id}/revisions`, { title, note: '更正标题中的批次' });
};
const withdraw = (agency: Agency, id: string, when: string) => {
  at(when);
  return call(agency, `/api/v1/disclosures/${id}/withdraw`, { reason: '房源信息有误' });
};

// 海淀 housing. Days to publish are calendar days in China from formedAt to the publishing day.
const H0 = await item(hd, allocationResult({ formedAt: '2025-12-01' }), '2025-12-31T23:30:00'); // 2025, late (due 12-29), 30 days
const H0b = await item(hd, allocationResult({ formedAt: '2025-12-05' }), '2025-12-15T10:00:00'); // 2025, on time, 10 days
await correct(hd, H0b.id, '2026-01-05T10:00:00', '海淀区2025年第四批公共租赁住房分配结果公示'); // a 2026 correction
const H4 = await item(hd, allocationResult({ formedAt: '2025-12-25' }), '2026-01-01T00:30:00'); // 2026 in China, on time, 7 days
const H3 = await item(hd, allocationResult({ formedAt: '2026-03-02' }), '2026-03-10T10:00:00'); // on time, 8 days
await withdraw(hd, H3.id, '2026-04-01T10:00:00');
const H1 = await item(hd, allocationResult({ formedAt: '2026-09-25' }), '2026-10-09T10:00:00'); // on time, 14 days
const H2 = await item(hd, allocationResult({ formedAt: '2026-09-25' }), '2026-10-30T09:00:00'); // late (due 10-29), 35 days
await correct(hd, H2.id, '2026-11-02T10:00:00', '海淀区2026年第四批公共租赁住房分配结果公示');
await item(hd, allocationResult({ formedAt: '2026-09-25' })); // a draft: never counted
// 海淀 procurement.
const P1 = await item(hd, budget('2026-06-01', '海淀区住建委2026年物业服务采购预算'), '2026-06-05T10:00:00'); // on time, 4 days
// 黄浦 (a name starting with =): housing and procurement.
const Q3 = await item(hp, allocationResult({ formedAt: '2026-05-06', region: '310101' }), '2026-05-08T10:00:00'); // on time, 2 days
const Q1 = await item(hp, budget('2026-09-25', '黄浦区2026年采购预算（一）'), '2026-10-29T23:00:00'); // on time (last day), 34 days
const Q2 = await item(hp, budget('2026-09-25', '黄浦区2026年采购预算（二）'), '2026-10-30T00:00:01'); // late, 35 days

const row = (agencyCode: string, agencyName: string, field: string, fieldName: string, n: number[], median: number | null) => {
  const [published, onTime, late, corrected, withdrawn] = n;
  return { agencyCode, agencyName, field, fieldName, published, onTime, late, corrected, withdrawn, medianDaysToPublish: median };
};
const HD_ROWS = [
  // H4, H3, H1, H2 published; H2 late; H0b and H2 corrected; H3 withdrawn; days 7, 8, 14, 35.
  row('bj-haidian-zjw', HD_NAME, 'housing', '住房保障', [4, 3, 1, 2, 1], (8 + 14) / 2),
  row('bj-haidian-zjw', HD_NAME, 'procurement', '政府采购', [1, 1, 0, 0, 0], 4),
];
const HP_ROWS = [
  row('sh-huangpu-ggzy', HP_NAME, 'housing', '住房保障', [1, 1, 0, 0, 0], 2),
  row('sh-huangpu-ggzy', HP_NAME, 'procurement', '政府采购', [2, 1, 1, 0, 0], (34 + 35) / 2),
];
const report = (agency: Agency | undefined, query: string) => {
  const req = http().get(`/api/v1/reports/annual?${query}`);
  return agency ? req.set(agency.auth) : req;
};

describe('the fixture', () => {
  it('has the due dates of the Chinese working calendar and the on-time flags chosen', () => {
    expect([H0, H0b, H4, H3, H1, H2, P1, Q3, Q1, Q2].map((i) => [i.dueOn, i.onTime])).toEqual([
      ['2025-12-29', false],
      ['2026-01-05', true],
      ['2026-01-23', true],
      ['2026-03-30', true],
      ['2026-10-29', true],
      ['2026-10-29', false],
      ['2026-06-30', true],
      ['2026-06-02', true],
      ['2026-10-29', true],
      ['2026-10-29', false],
    ]);
  });
});

describe('GET /api/v1/reports/annual', () => {
  it('gives a publisher exact figures for its own agency only, per field', async () => {
    const res = await report(hd, 'year=2026');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ year: 2026, rows: HD_ROWS });
    expect((await report(hp, 'year=2026')).body.rows).toEqual(HP_ROWS);
  });

  it('lets a publisher name its own agency and a press key read its agency', async () => {
    expect((await report(hd, 'year=2026&agency=bj-haidian-zjw')).body.rows).toEqual(HD_ROWS);
    expect((await report(hdPress, 'year=2026')).body.rows).toEqual(HD_ROWS);
  });

  it('refuses a publisher asking for another agency with 403', async () => {
    const res = await report(hd, 'year=2026&agency=sh-huangpu-ggzy');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('gives an admin every agency, sorted by agency then field, and filters by agency=', async () => {
    const all = await report(admin, 'year=2026');
    expect(all.status).toBe(200);
    expect(all.body.rows).toEqual([...HD_ROWS, ...HP_ROWS]);
    expect((await report(admin, 'year=2026&agency=sh-huangpu-ggzy')).body.rows).toEqual(HP_ROWS);
  });

  it('counts items by the year of first publication in China time: 2025 items stay in 2025', async () => {
    const res = await report(admin, 'year=2025');
    // H0 (late, 30 days) and H0b (on time, 10 days); H0b's 2026 correction is not a 2025 one.
    expect(res.body.rows).toEqual([row('bj-haidian-zjw', HD_NAME, 'housing', '住房保障', [2, 1, 1, 0, 0], (10 + 30) / 2)]);
    expect((await report(admin, 'year=2024')).body.rows).toEqual([]);
  });

  it('counts a 2026 correction of an item first published in 2025 and corrected again in 2027', async () => {
    const tj = await agencyWithKey(db, 'tj-heping-zjw', 'publisher', '天津市和平区住房和建设委员会');
    const old = await item(tj, allocationResult({ formedAt: '2025-12-05', region: '120101' }), '2025-12-15T10:00:00');
    await correct(tj, old.id, '2026-06-01T10:00:00', '和平区2025年公共租赁住房分配结果公示（更正）');
    await correct(tj, old.id, '2027-01-10T10:00:00', '和平区2025年公共租赁住房分配结果公示（再次更正）');
    const res = await report(admin, 'year=2026&agency=tj-heping-zjw');
    expect(res.body.rows).toEqual([row('tj-heping-zjw', '天津市和平区住房和建设委员会', 'housing', '住房保障', [0, 0, 0, 1, 0], null)]);
  });

  it('answers CSV with a UTF-8 BOM, Chinese headers, one row per agency and field, formulas neutralised', async () => {
    const res = await report(admin, 'year=2026&format=csv&agency=sh-huangpu-ggzy')
      .buffer(true)
      .parse(((stream: IncomingMessage, done: (err: Error | null, body: Buffer) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => done(null, Buffer.concat(chunks)));
      }) as never);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('gongkai-annual-2026.csv');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines.pop()).toBe('');
    const cells = lines.map((line) => {
      expect(line).toMatch(/^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/);
      return [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
    });
    expect(cells).toEqual([
      ['机关代码', '机关名称', '领域代码', '领域', '主动公开数', '按时公开数', '逾期公开数', '更正数', '撤回数', '形成至公开天数中位数'],
      ['sh-huangpu-ggzy', `'${HP_NAME}`, 'housing', '住房保障', '1', '1', '0', '0', '0', '2'],
      ['sh-huangpu-ggzy', `'${HP_NAME}`, 'procurement', '政府采购', '2', '1', '1', '0', '0', '34.5'],
    ]);
    for (const cell of cells.flat()) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('answers 401 without a key and 400 for an invalid year or format', async () => {
    const res = await report(undefined, 'year=2026');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect((await report(hd, 'year=1999')).status).toBe(400);
    expect((await report(hd, 'year=2026&format=xlsx')).status).toBe(400);
    expect((await report(hd, '')).body.error.fields[0].path).toBe('year');
  });
});
