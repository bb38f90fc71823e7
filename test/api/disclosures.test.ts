import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http, clock } = await registryApp('disclosures');
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const chaoyang = await agencyWithKey(db, 'bj-chaoyang-zjw');
const haidianPress = await agencyWithKey(db, 'bj-haidian-zjw', 'press');

async function createDraft(body: Record<string, unknown> = allocationResult(), auth = haidian.auth) {
  const res = await http().post('/api/v1/disclosures').set(auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string; dueOn: string; revisions: { n: number }[] };
}

describe('authentication and roles', () => {
  it('answers 401 without a key, with a malformed key and with an unknown key', async () => {
    for (const auth of [{}, { Authorization: 'Basic abc' }, { Authorization: `Bearer gk_${'0'.repeat(16)}_${'1'.repeat(64)}` }]) {
      const res = await http().post('/api/v1/disclosures').set(auth).send(allocationResult());
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });

  it('answers 403 when a press key tries to publish', async () => {
    const res = await http().post('/api/v1/disclosures').set(haidianPress.auth).send(allocationResult());
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('publisher or admin');
  });

  it('lets the press key read its agency’s drafts', async () => {
    const draft = await createDraft();
    const res = await http().get(`/api/v1/agency/disclosures/${draft.id}`).set(haidianPress.auth);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('draft');
  });
});

describe('the lifecycle', () => {
  it('creates a draft with its legal due date, not visible to the public', async () => {
    const draft = await createDraft();
    expect(draft.status).toBe('draft');
    // formed 2026-09-25: 中秋 and 国庆 2026 are skipped, 2026-10-10 (Saturday 调休) counts.
    expect(draft.dueOn).toBe('2026-10-29');
    expect((await http().get(`/api/v1/disclosures/${draft.id}`)).status).toBe(404);
    const stored = await db.collection('disclosures').findOne({ title: allocationResult().title, status: 'draft' });
    expect(stored?.agencyCode).toBe('bj-haidian-zjw');
  });

  it('gives 行政处罚 decisions the 7-working-day clock', async () => {
    const body = {
      field: 'blacklist',
      itemType: 'misconduct',
      title: '某建筑公司串通投标行为列入黑名单',
      region: '110108',
      formedAt: '2026-09-30',
      basis: 'produce',
      content: blacklistContent(),
    };
    const draft = await createDraft(body);
    expect(draft.dueOn).toBe('2026-10-15');
  });

  it('publishes, records on-time, and a repeated publish returns the same result', async () => {
    const draft = await createDraft();
    const first = await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'published', onTime: true });
    const again = await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth);
    expect(again.body.publishedAt).toBe(first.body.publishedAt);
    const stored = await db.collection('disclosures').findOne({ _id: new ObjectId(draft.id) });
    expect(stored?.events.map((e: { action: string }) => e.action)).toEqual(['create', 'publish']);
    const audit = await db.collection('audit').find({ subject: draft.id }).sort({ at: 1 }).toArray();
    expect(audit.map((a) => a.action)).toEqual(['disclosure.create', 'disclosure.publish']);
    expect(audit[1]?.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks a publication after the due date as late', async () => {
    const draft = await createDraft();
    const saved = clock.now;
    clock.now = new Date('2026-10-30T09:00:00+08:00');
    try {
      const res = await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth);
      expect(res.body.onTime).toBe(false);
    } finally {
      clock.now = saved;
    }
  });

  it('keeps every revision public after a correction, with its change note', async () => {
    const draft = await createDraft();
    await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth).expect(200);
    const noNote = await http().post(`/api/v1/disclosures/${draft.id}/revisions`).set(haidian.auth).send({ title: '更正后的标题：海淀区分配结果' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.fields).toEqual([expect.objectContaining({ path: 'note' })]);

    const corrected = await http()
      .post(`/api/v1/disclosures/${draft.id}/revisions`)
      .set(haidian.auth)
      .send({ title: '更正后的标题：海淀区分配结果', note: '更正项目名称笔误' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.status).toBe('corrected');

    const pub = await http().get(`/api/v1/disclosures/${draft.id}`);
    expect(pub.body.revisions.map((r: { n: number; note?: string }) => [r.n, r.note])).toEqual([
      [1, undefined],
      [2, '更正项目名称笔误'],
    ]);
    expect(pub.body.current.title).toBe('更正后的标题：海淀区分配结果');
    const first = await http().get(`/api/v1/disclosures/${draft.id}?revision=1`);
    expect(first.body.current.title).toBe(allocationResult().title);
  });

  it('withdraws with a reason and keeps the item visible as withdrawn', async () => {
    const draft = await createDraft();
    expect((await http().post(`/api/v1/disclosures/${draft.id}/withdraw`).set(haidian.auth).send({ reason: '草稿不可撤回' })).status).toBe(409);
    await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth).expect(200);
    const res = await http().post(`/api/v1/disclosures/${draft.id}/withdraw`).set(haidian.auth).send({ reason: '分配结果有误，重新公示' });
    expect(res.status).toBe(200);
    const pub = await http().get(`/api/v1/disclosures/${draft.id}`);
    expect(pub.body).toMatchObject({ status: 'withdrawn', withdrawn: { reason: '分配结果有误，重新公示' } });
    const revise = await http().post(`/api/v1/disclosures/${draft.id}/revisions`).set(haidian.auth).send({ note: '再次更正内容' });
    expect(revise.status).toBe(409);
    expect((await http().post(`/api/v1/disclosures/${draft.id}/publish`).set(haidian.auth)).status).toBe(409);
  });

  it('edits a draft in place without creating a public revision', async () => {
    const draft = await createDraft();
    const res = await http().post(`/api/v1/disclosures/${draft.id}/revisions`).set(haidian.auth).send({ title: '修改后的草稿标题' });
    expect(res.status).toBe(200);
    expect(res.body.revisions).toHaveLength(1);
    expect(res.body.status).toBe('draft');
  });
});

describe('谁公开: scoping to the key’s agency', () => {
  it('refuses another agency’s publish, correction, withdrawal and private read', async () => {
    const draft = await createDraft();
    const id = draft.id;
    expect((await http().post(`/api/v1/disclosures/${id}/publish`).set(chaoyang.auth)).status).toBe(403);
    expect((await http().post(`/api/v1/disclosures/${id}/revisions`).set(chaoyang.auth).send({ note: '越权更正尝试' })).status).toBe(403);
    await http().post(`/api/v1/disclosures/${id}/publish`).set(haidian.auth).expect(200);
    expect((await http().post(`/api/v1/disclosures/${id}/withdraw`).set(chaoyang.auth).send({ reason: '越权撤回尝试' })).status).toBe(403);
    expect((await http().get(`/api/v1/agency/disclosures/${id}`).set(chaoyang.auth)).status).toBe(403);
    const stored = await db.collection('disclosures').findOne({ _id: new ObjectId(id) });
    expect(stored?.status).toBe('published');
    expect(stored?.events).toHaveLength(2);
  });

  it('takes the agency from the key, whatever the body says', async () => {
    const res = await http().post('/api/v1/disclosures').set(chaoyang.auth).send({ ...allocationResult(), agencyCode: 'bj-haidian-zjw' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual([{ path: 'agencyCode', message: 'unknown field' }]);
    const own = await createDraft(allocationResult(), chaoyang.auth);
    const list = await http().get('/api/v1/agency/disclosures').set(chaoyang.auth);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([own.id]);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same disclosure for a retried create, and refuses the key for another body', async () => {
    const key = `retry-${Date.now()}`;
    const first = await http().post('/api/v1/disclosures').set(haidian.auth).set('Idempotency-Key', key).send(allocationResult());
    const retry = await http().post('/api/v1/disclosures').set(haidian.auth).set('Idempotency-Key', key).send(allocationResult());
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await db.collection('disclosures').countDocuments({ idempotencyKey: `bj-haidian-zjw:${key}` })).toBe(1);
    const other = await http()
      .post('/api/v1/disclosures')
      .set(haidian.auth)
      .set('Idempotency-Key', key)
      .send(allocationResult({ title: '另一条不同的分配结果公示' }));
    expect(other.status).toBe(409);
    // The same key from another agency is another request.
    const theirs = await http().post('/api/v1/disclosures').set(chaoyang.auth).set('Idempotency-Key', key).send(allocationResult());
    expect(theirs.status).toBe(201);
  });
});

export function blacklistContent() {
  return {
    party: { name: '北京某某建筑工程有限公司', creditCode: '91110108MA01ABCD2X' },
    misconduct: '在某保障房项目施工招标中串通投标',
    authority: '北京市海淀区住房和城乡建设委员会',
    decision: { documentNumber: '海住建罚〔2026〕12号', date: '2026-09-30', content: '列入黑名单，限制参与本区政府投资项目投标' },
    period: { from: '2026-10-01', to: '2027-09-30' },
  };
}
