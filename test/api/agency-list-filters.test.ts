import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http, clock } = await registryApp('agency_list_filters');
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const chaoyang = await agencyWithKey(db, 'bj-chaoyang-zjw');

async function draft(auth: Record<string, string>, body: Record<string, unknown>) {
  const res = await http().post('/api/v1/disclosures').set(auth).send(allocationResult(body));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; dueOn: string };
}
const budget = (title: string, formedAt: string) => ({
  field: 'procurement',
  itemType: 'budget',
  title,
  formedAt,
  content: { year: 2026, purchaser: '海淀区住建委', projectName: '物业服务采购', amount: 100_000 },
});

// Formed long ago and still a draft: overdue by the service's clock (2026-10-09).
const overdueDraft = await draft(haidian.auth, { title: '逾期未公开的分配结果', formedAt: '2026-08-20' });
const freshDraft = await draft(haidian.auth, { title: '本月形成的分配结果', formedAt: '2026-10-08' });
const lateOne = await draft(haidian.auth, { title: '逾期公开的分配结果', formedAt: '2026-08-03' });
await http().post(`/api/v1/disclosures/${lateOne.id}/publish`).set(haidian.auth).expect(200);
const budgetItem = await draft(haidian.auth, budget('物业服务采购预算', '2026-10-01'));
await draft(chaoyang.auth, { title: '朝阳区逾期未公开的分配结果', formedAt: '2026-08-20', region: '110105' });

const list = async (query: string, auth = haidian.auth) => {
  const res = await http().get(`/api/v1/agency/disclosures?${query}`).set(auth);
  return { status: res.status, body: res.body, ids: ((res.body.items ?? []) as { id: string }[]).map((i) => i.id) };
};

describe('GET /api/v1/agency/disclosures filters', () => {
  it('narrows by field and item type, within the key’s agency only', async () => {
    expect((await list('field=procurement')).ids).toEqual([budgetItem.id]);
    expect((await list('itemType=allocation-result')).ids).toEqual([lateOne.id, freshDraft.id, overdueDraft.id]);
    expect((await list('field=procurement&itemType=allocation-result')).ids).toEqual([]);
    expect((await list('field=housing', chaoyang.auth)).ids).toHaveLength(1);
  });

  it('narrows by a 到期日 range, inclusive', async () => {
    expect((await list(`dueFrom=${freshDraft.dueOn}&dueTo=${freshDraft.dueOn}`)).ids).toEqual([freshDraft.id]);
    expect((await list(`dueTo=${overdueDraft.dueOn}`)).ids).toEqual([lateOne.id, overdueDraft.id]);
  });

  it('lists only what is overdue by the service’s clock: drafts past their 到期日 and late publications', async () => {
    expect((await list('overdue=true')).ids).toEqual([lateOne.id, overdueDraft.id]);
    expect((await list('overdue=true&status=draft')).ids).toEqual([overdueDraft.id]);
    expect((await list('overdue=false')).ids).toHaveLength(4);
    const saved = clock.now;
    clock.now = new Date('2027-06-01T10:00:00+08:00');
    try {
      expect((await list('overdue=true')).ids).toEqual([budgetItem.id, lateOne.id, freshDraft.id, overdueDraft.id]);
    } finally {
      clock.now = saved;
    }
  });

  it('answers 400 naming the field for a bad filter', async () => {
    for (const [query, field] of [
      ['field=nonsense', 'field'],
      ['itemType=Bad Type', 'itemType'],
      ['dueFrom=2026-13-01', 'dueFrom'],
      ['dueFrom=2026-10-10&dueTo=2026-10-01', 'dueTo'],
      ['overdue=yes', 'overdue'],
      ['region=110108', ''],
    ] as const) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      if (field) expect(res.body.error.fields, query).toContainEqual(expect.objectContaining({ path: field }));
    }
  });
});
