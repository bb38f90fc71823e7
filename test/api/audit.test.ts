import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../core/audit-query.ts';
import { recordAudit } from '../../core/audit.ts';
import { updateAgency } from '../../core/agencies/agencies.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http, clock } = await registryApp('audit');
const AGENCY = 'bj-fengtai-zjw';
const key = async (role: Role, code = AGENCY) => {
  const made = await agencyWithKey(db, code, role);
  return { ...made, keyId: made.apiKey.split('_')[1]! };
};
const publisher = await key('publisher');
const reviewer = await key('reviewer');
const admin = await key('admin');
const otherAdmin = await key('admin', 'bj-shijingshan-zjw');
await updateAgency(db, AGENCY, { requireReview: true });

type Auth = { Authorization: string };
const post = (path: string, auth: Auth, body: object = {}) => http().post(path).set(auth).send(body);
const audit = (query: Record<string, string | number>, auth: Auth = admin.auth) => http().get('/api/v1/audit').query(query).set(auth);
const tick = (minutes = 1) => {
  clock.now = new Date(clock.now.getTime() + minutes * 60_000);
};

const REJECTION = '=HYPERLINK("http://x"), 第一户 "张*明"\n核对后重新提交';

// One item through its whole life under 先审后发, one urgent publication, one channel retry;
// day 1 (10-09) has the first publication, day 2 (10-10) everything else.
const created = await post('/api/v1/disclosures', publisher.auth, allocationResult());
const id = created.body.id as string;
tick();
await post(`/api/v1/disclosures/${id}/publish`, publisher.auth);
tick();
await post(`/api/v1/disclosures/${id}/approve`, reviewer.auth);
clock.now = new Date('2026-10-10T09:00:00+08:00');
await post(`/api/v1/disclosures/${id}/revisions`, publisher.auth, { note: '更正轮候序号', title: '丰台区公共租赁住房分配结果公示（更正）' });
tick();
await post(`/api/v1/disclosures/${id}/reject`, reviewer.auth, { reason: REJECTION });
tick();
await post(`/api/v1/disclosures/${id}/revisions`, publisher.auth, { note: '更正轮候序号（二）', title: '丰台区公共租赁住房分配结果公示（更正二）' });
tick();
await post(`/api/v1/disclosures/${id}/approve`, reviewer.auth);
tick();
await post(`/api/v1/disclosures/${id}/deliveries/retry`, publisher.auth);
tick();
await post(`/api/v1/disclosures/${id}/withdraw`, admin.auth, { reason: '项目调整，撤回重发' });
tick();
const urgentDraft = await post('/api/v1/disclosures', publisher.auth, allocationResult());
const urgentId = urgentDraft.body.id as string;
tick();
await post(`/api/v1/disclosures/${urgentId}/publish`, admin.auth, { urgent: { reason: '汛期安置，立即公布' } });

interface Item {
  id: string;
  at: string;
  action: string;
  actor: { kind: string; keyId?: string; role?: string };
  agencyCode: string;
  subject: string;
  contentHash?: string;
  detail?: Record<string, unknown>;
}

describe('GET /api/v1/audit', () => {
  it('has an entry for every action, with who, role, agency, when and the content hash', async () => {
    const res = await audit({ subject: id });
    expect(res.status).toBe(200);
    const items = res.body.items as Item[];
    expect(items.map((i) => [i.action, i.actor.keyId])).toEqual([
      ['disclosure.withdraw', admin.keyId],
      ['delivery.retry', publisher.keyId],
      ['disclosure.correct', reviewer.keyId],
      ['disclosure.approve', reviewer.keyId],
      ['disclosure.request-review', publisher.keyId],
      ['disclosure.reject', reviewer.keyId],
      ['disclosure.request-review', publisher.keyId],
      ['disclosure.publish', reviewer.keyId],
      ['disclosure.approve', reviewer.keyId],
      ['disclosure.request-review', publisher.keyId],
      ['disclosure.create', publisher.keyId],
    ]);
    for (const item of items) {
      expect(item.agencyCode).toBe(AGENCY);
      expect(item.actor.role).toBe(item.actor.keyId === reviewer.keyId ? 'reviewer' : item.actor.keyId === admin.keyId ? 'admin' : 'publisher');
      if (item.action.startsWith('disclosure.')) expect(item.contentHash).toMatch(/^[0-9a-f]{64}$/);
    }
    // The approval names exactly the hash that was asked about and then published.
    const [, , correct, approve, request] = items;
    expect(approve!.contentHash).toBe(request!.contentHash);
    expect(correct!.contentHash).toBe(request!.contentHash);
    expect(items[0]!.at).toBe(new Date('2026-10-10T09:05:00+08:00').toISOString());

    const urgent = (await audit({ subject: urgentId, action: 'disclosure.urgent' })).body.items as Item[];
    expect(urgent).toHaveLength(1);
    expect(urgent[0]).toMatchObject({ actor: { role: 'admin', keyId: admin.keyId }, detail: { note: '汛期安置，立即公布' } });
  });

  it('filters by action, key and time range, and pages with a cursor', async () => {
    const approvals = (await audit({ action: 'disclosure.approve' })).body.items as Item[];
    expect(approvals).toHaveLength(2);
    const byReviewer = (await audit({ keyId: reviewer.keyId })).body.items as Item[];
    expect(new Set(byReviewer.map((i) => i.actor.keyId))).toEqual(new Set([reviewer.keyId]));
    expect(byReviewer).toHaveLength(5);

    const day1 = (await audit({ from: '2026-10-09', to: '2026-10-09' })).body.items as Item[];
    expect(day1.map((i) => i.action)).toEqual(['disclosure.publish', 'disclosure.approve', 'disclosure.request-review', 'disclosure.create']);
    const instant = (await audit({ from: '2026-10-10T09:04:00+08:00', to: '2026-10-10T01:05:00Z' })).body.items as Item[];
    expect(instant.map((i) => i.action)).toEqual(['disclosure.withdraw', 'delivery.retry']);

    const all = (await audit({ limit: 500 })).body.items as Item[];
    const paged: Item[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Item[]; nextCursor: string | null } } = await audit({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged.map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
  });

  it('answers 400 naming the field for a bad filter, range, cursor or operator', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2026-13-01' }, 'from'],
      [{ to: '2026-02-30' }, 'to'],
      [{ from: '2026-10-10', to: '2026-10-09' }, 'to'],
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
      [{ keyId: 'x' }, 'keyId'],
      [{ format: 'xml' }, 'format'],
    ];
    for (const [query, field] of cases) {
      const res = await audit(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    }
    const injected = await http().get(`/api/v1/audit?subject[$ne]=x`).set(admin.auth);
    expect(injected.status).toBe(400);
  });

  it('exports CSV for Excel: BOM, quoted cells, the reason with quotes, comma and newline intact', async () => {
    const res = await http().get('/api/v1/audit').query({ subject: id, format: 'csv' }).set(admin.auth).buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => done(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('gongkai-audit.csv');
    const text = res.body as string;
    expect(text.startsWith('\uFEFF"时间","操作"')).toBe(true);
    const rows = parse(text.slice(1), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(11);
    const rejected = rows.find((r) => r['操作'] === 'disclosure.reject')!;
    expect(JSON.parse(rejected['详情']!)).toMatchObject({ note: REJECTION });
    expect(rejected['密钥']).toBe(reviewer.keyId);
    expect(rejected['内容哈希']).toMatch(/^[0-9a-f]{64}$/);
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('a "b"')).toBe('"a ""b"""');
  });

  it('shows an admin only its own agency, and refuses other roles (403) and no key (401)', async () => {
    await recordAudit(db, { action: 'key.create', actor: { kind: 'cli' }, agencyCode: 'bj-shijingshan-zjw', subject: 'feedfacefeedface' });
    const other = (await audit({ limit: 500 }, otherAdmin.auth)).body.items as Item[];
    expect(other.map((i) => i.subject)).toEqual(['feedfacefeedface']);
    expect((await audit({ subject: id }, otherAdmin.auth)).body.items).toEqual([]);
    const mine = (await audit({ limit: 500 })).body.items as Item[];
    expect(mine.every((i) => i.agencyCode === AGENCY)).toBe(true);

    expect((await audit({}, publisher.auth)).status).toBe(403);
    expect((await audit({}, reviewer.auth)).status).toBe(403);
    expect((await http().get('/api/v1/audit')).status).toBe(401);
  });
});
