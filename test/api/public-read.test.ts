import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationContent, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http } = await registryApp('public_read');
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const pudong = await agencyWithKey(db, 'sh-pudong-fgj', 'publisher', '上海市浦东新区房屋管理局');

async function publish(body: Record<string, unknown>, auth = haidian.auth): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(auth).send(body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
  return created.body.id;
}

const ids = {
  haidianResult: await publish(allocationResult()),
  pudongResult: await publish(
    allocationResult({ title: '浦东新区共有产权保障住房摇号排序结果', region: '310115' }, ['PD-2026-77']),
    pudong.auth,
  ),
};

describe('GET /api/v1/disclosures', () => {
  it('filters by region prefix: 110000 finds its districts, not Shanghai', async () => {
    const beijing = await http().get('/api/v1/disclosures?region=110000');
    const found = beijing.body.items.map((d: { id: string }) => d.id);
    expect(found).toContain(ids.haidianResult);
    expect(found).not.toContain(ids.pudongResult);
    const district = await http().get('/api/v1/disclosures?region=310115');
    expect(district.body.items.map((d: { id: string }) => d.id)).toEqual([ids.pudongResult]);
  });

  it('filters by agency, field and item type', async () => {
    const res = await http().get('/api/v1/disclosures?agency=sh-pudong-fgj&field=housing&itemType=allocation-result');
    expect(res.body.items.map((d: { id: string }) => d.id)).toEqual([ids.pudongResult]);
    expect((await http().get('/api/v1/disclosures?field=land')).body.items).toEqual([]);
  });

  it('finds Chinese keywords by segmented tokens', async () => {
    const hit = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('共有产权 摇号')}`);
    expect(hit.body.items.map((d: { id: string }) => d.id)).toEqual([ids.pudongResult]);
    const partOfWord = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('浦东')}`);
    expect(partOfWord.body.items.map((d: { id: string }) => d.id)).toEqual([ids.pudongResult]);
    const content = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('永丰家园')}`);
    expect(content.body.items.length).toBeGreaterThanOrEqual(2);
    const miss = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('矿业权出让')}`);
    expect(miss.body.items).toEqual([]);
  });

  it('finds an item by the short name residents type for its formal one, and the other way round', async () => {
    const byShortName = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('公租房')}`);
    expect(byShortName.body.items.map((d: { id: string }) => d.id)).toContain(ids.haidianResult); // titled 公共租赁住房
    expect((await http().get(`/api/v1/disclosures?q=${encodeURIComponent('廉租房')}`)).body.items).toEqual([]);
    const shortTitled = await publish(allocationResult({ title: '海淀区2026年公租房配租结果' }));
    const byFormalName = await http().get(`/api/v1/disclosures?q=${encodeURIComponent('公共租赁住房 配租')}`);
    expect(byFormalName.body.items.map((d: { id: string }) => d.id)).toEqual([shortTitled]);
  });

  it('pages with a cursor in a stable order without repeats', async () => {
    for (let i = 0; i < 5; i++) await publish(allocationResult({ title: `分页测试公示第${i}号` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await http().get(`/api/v1/disclosures?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await db.collection('disclosures').countDocuments({ status: { $ne: 'draft' } }));
  });

  it('answers 400 naming the parameter for bad filters', async () => {
    for (const [query, path] of [
      ['region=abc', 'region'],
      ['limit=0', 'limit'],
      ['from=2026-02-30', 'from'],
      ['cursor=bm9wZQ', 'cursor'],
      ['sort=desc', 'sort'],
    ]) {
      const res = await http().get(`/api/v1/disclosures?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path), query).toContain(path);
    }
  });
});

describe('withheld content', () => {
  it('never shows a commercial-secret or privacy value publicly, but keeps it for the agency', async () => {
    const marker = `MARKER${randomUUID().replaceAll('-', '')}`;
    const body = allocationResult({
      title: '含不予公开内容的分配结果',
      content: { ...allocationContent(['WH-1']), method: marker },
      withheld: [{ path: 'method', basis: 'commercial-secret' }],
    });
    const id = await publish(body);
    const detail = await http().get(`/api/v1/disclosures/${id}`);
    expect(detail.text).not.toContain(marker);
    expect(detail.body.current.content.method).toBe('依法不予公开（商业秘密）');
    expect(detail.body.current.withheld).toEqual([{ path: 'method', basis: 'commercial-secret', notice: '依法不予公开（商业秘密）' }]);
    const list = await http().get('/api/v1/disclosures?limit=100');
    expect(list.text).not.toContain(marker);
    const search = await http().get(`/api/v1/disclosures?q=${marker}`);
    expect(search.body.items).toEqual([]);
    expect(search.text).not.toContain(marker);
    const own = await http().get(`/api/v1/agency/disclosures/${id}`).set(haidian.auth);
    expect(own.body.revisions[0].content.method).toBe(marker);
  });

  it('refuses a state-secret value at input, and stores only the notice', async () => {
    const refused = await http()
      .post('/api/v1/disclosures')
      .set(haidian.auth)
      .send(allocationResult({ withheld: [{ path: 'batch', basis: 'state-secret' }] }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields).toEqual([expect.objectContaining({ path: 'content.batch' })]);

    const { batch: _secret, ...content } = allocationContent(['SS-1']);
    const id = await publish(allocationResult({ content, withheld: [{ path: 'batch', basis: 'state-secret' }] }));
    const detail = await http().get(`/api/v1/disclosures/${id}`);
    expect(detail.body.current.content.batch).toBe('依法不予公开（国家秘密）');
  });

  it('rejects withholding a key the item type does not have', async () => {
    const res = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ withheld: [{ path: 'nope', basis: 'privacy' }] }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields[0].path).toBe('withheld.0.path');
  });
});

describe('bad input', () => {
  const post = (body: unknown) => http().post('/api/v1/disclosures').set(haidian.auth).send(body as object);

  it.each([
    ['missing title', { title: undefined }, 'title'],
    ['unknown field', { field: 'weather' }, 'field'],
    ['unknown item type', { itemType: 'weather-report' }, 'itemType'],
    ['bad region', { region: '1101' }, 'region'],
    ['impossible date', { formedAt: '2026-13-01' }, 'formedAt'],
    ['future date', { formedAt: '2099-01-01' }, 'formedAt'],
    ['unknown top-level key', { extra: true }, 'extra'],
    ['content missing a required key', { content: { ...allocationContent(['X-1']), projectName: undefined } }, 'content.projectName'],
    ['content with an unknown key', { content: { ...allocationContent(['X-1']), colour: 'red' } }, 'content.colour'],
    ['attachment without a hash', { attachments: [{ name: 'a.pdf', url: 'https://x.gov.cn/a.pdf' }] }, 'attachments.0.sha256'],
  ])('%s → 400 naming %s', async (_name, patch, path) => {
    const before = await db.collection('disclosures').countDocuments();
    const res = await post({ ...allocationResult(), ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    expect(await db.collection('disclosures').countDocuments()).toBe(before);
  });

  it.each([
    [{ $where: 'sleep(1000)' }, '$where'],
    [{ content: { 'a.b': 1 } }, 'content.a.b'],
    [{ content: { results: [{ $gt: '' }] } }, 'content.results.0.$gt'],
  ])('refuses operator and dotted keys before any query: %j', async (patch, path) => {
    const res = await post({ ...allocationResult(), ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.fields[0].path).toBe(path);
  });

  it('refuses deep nesting and a body that is not an object', async () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 30; i++) deep = (deep.x = {}) as Record<string, unknown>;
    expect((await post({ ...allocationResult(), content: root })).status).toBe(400);
    const notObject = await http().post('/api/v1/disclosures').set(haidian.auth).set('Content-Type', 'application/json').send('"text"');
    expect(notObject.status).toBe(400);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await http().get('/api/v1/disclosures/0123456789abcdef01234567')).status).toBe(404);
    const bad = await http().get('/api/v1/disclosures/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('id');
  });
});
