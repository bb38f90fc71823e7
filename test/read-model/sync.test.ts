import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listQuery } from '../../core/disclosures/list.ts';
import { publishPlan } from '../../core/disclosures/transitions.ts';
import { outboxFields } from '../../core/fanout/outbox-keys.ts';
import { createSqliteReadModel, type SqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';
import { createServices } from '../../core/services.ts';
import { STALE_CLAIM_MS } from '../../core/store/versioned.ts';
import { agencyWithKey, allocationResult, registryApp, testApp } from '../helpers/registry.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';
import request from 'supertest';

const { db, http, clock, services } = await registryApp('read_model_sync');
const readModel = services.readModel as SqliteReadModel;
const hd = await agencyWithKey(db, 'bj-haidian-zjw');
const search = async (q: string, model = readModel) => (await model.listPublic(listQuery.parse({ q }))).items.map((i) => i.id);

async function published(title: string): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(hd.auth).send(allocationResult({ title }));
  expect(created.status).toBe(201);
  expect((await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(hd.auth)).status).toBe(200);
  return created.body.id as string;
}

const journal = () => services.store.journal.find({}).toArray();

describe('a claim left by a writer that died between its claim and its write', () => {
  it('blocks the disclosure only until it is stale, then is released, and the next change is made once', async () => {
    const id = await published('海淀区被卡住的分配结果公示');
    const { version } = (await services.store.get(id))!;
    // What a writer that died after its claim leaves behind: the next version claimed, never written.
    await services.store.journal.insertOne({ _id: `${id}:${version + 1}`, subject: id, version: version + 1, at: clock.now, by: 'dead', token: 'dead-writer' });
    const blocked = await http().post(`/api/v1/disclosures/${id}/withdraw`).set(hd.auth).send({ reason: '撤回重发' });
    expect(blocked.status).toBe(409);

    clock.now = new Date(clock.now.getTime() + STALE_CLAIM_MS + 1_000);
    const [first, second] = await Promise.all([
      http().post(`/api/v1/disclosures/${id}/withdraw`).set(hd.auth).send({ reason: '撤回重发' }),
      http().post(`/api/v1/disclosures/${id}/withdraw`).set(hd.auth).send({ reason: '撤回重发' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 200]);
    const doc = (await services.store.get(id))!;
    expect(doc.status).toBe('withdrawn');
    expect(doc.version).toBe(version + 1);
    expect(doc.events.filter((e) => e.action === 'withdraw')).toHaveLength(1);
    expect((await journal()).filter((c) => c.subject === id)).toEqual([]);
  });
});

describe('the journal', () => {
  it('delivers a write whose process died before its effects: row, caches and fan-outs, once', async () => {
    const enqueued: { id: string; keys: string[] }[] = [];
    const writer = createServices(db, { readModel, now: () => clock.now, fanOutChannels: ['weibo'], enqueueFanOut: async (id, keys) => void enqueued.push({ id, keys }) });
    const draft = await http().post('/api/v1/disclosures').set(hd.auth).send(allocationResult({ title: '海淀区进程崩溃后的分配结果公示' }));
    const id = draft.body.id as string;
    // The write alone, as a process that died right after it would leave it.
    const written = await writer.store.write(id, 'crashing-writer', () => clock.now, (doc, now) => {
      const plan = publishPlan(doc, now);
      const outbox = outboxFields(doc, plan.change!, ['weibo'], now);
      return { set: { ...plan.set, ...outbox.fields, updatedAt: now }, push: { events: { ...plan.event, seq: doc.events.length + 1, at: now, keyId: 'k', role: 'publisher' } }, intent: { outboxKeys: outbox.keys, publicChange: true } };
    });
    expect(written?.changed).toBe(true);
    expect(await search('进程崩溃')).toEqual([]);
    expect((await journal()).map((c) => c.subject)).toContain(id);

    // Within the writer's grace the entry is left alone; after it, whoever finds it finishes it.
    expect((await writer.sync.catchUp()).applied).toBe(0);
    clock.now = new Date(clock.now.getTime() + 5_000);
    expect(await writer.sync.catchUp()).toMatchObject({ applied: 1 });
    expect(await search('进程崩溃')).toEqual([id]);
    expect(enqueued).toEqual([{ id, keys: ['r1~weibo'] }]);
    expect((await journal()).filter((c) => c.subject === id)).toEqual([]);
    expect(await writer.sync.catchUp()).toMatchObject({ applied: 0 });
    expect(enqueued).toHaveLength(1);
  });

  it('takes a withdrawal out of search at once, here and in another process on the same file', async () => {
    const id = await published('海淀区即将撤回的配租结果公示');
    const other = createSqliteReadModel({ file: readModel.file });
    try {
      expect(await search('即将撤回')).toEqual([id]);
      expect(await search('即将撤回', other)).toEqual([id]);
      expect((await http().post(`/api/v1/disclosures/${id}/withdraw`).set(hd.auth).send({ reason: '信息有误' })).status).toBe(200);
      expect(await search('即将撤回')).toEqual([]);
      expect(await search('即将撤回', other)).toEqual([]);
      const listed = await http().get('/api/v1/disclosures').query({ q: '即将撤回' });
      expect(listed.body.items).toEqual([]);
      // Still listed, as withdrawn, without a search word.
      const page = await other.listPublic(listQuery.parse({ agency: hd.code, limit: 100 }));
      expect(page.items.find((i) => i.id === id)).toMatchObject({ status: 'withdrawn' });
    } finally {
      await other.close();
    }
  });

  it('rebuilds a read model deleted while the service runs, and /readyz says so meanwhile', async () => {
    const id = await published('海淀区重建读模型的分配结果公示');
    const { logger } = captureLogs();
    const file = `${readModel.file}.own`;
    const own = createSqliteReadModel({ file });
    const running = createServices(db, { readModel: own, logger, now: () => clock.now });
    const app = testApp({ logger, db, services: running }).callback();
    running.sync.start();
    try {
      await waitFor(() => search('重建读模型', own), (found) => found.includes(id), 30_000);
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
      await waitFor(async () => own.replacedOnDisk(), (replaced) => !replaced, 30_000);
      await waitFor(() => search('重建读模型', own), (found) => found.includes(id), 30_000);
      const ready = await request(app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.details.readModel).toMatchObject({ kind: 'sqlite', location: file, sync: expect.stringMatching(/^(current|catching-up)$/) });
      expect(ready.body.details.readModel.rows).toBeGreaterThan(0);
    } finally {
      await running.sync.stop();
      await own.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    }
  });
});

describe('list parameters', () => {
  it.each([
    [{ sort: 'relevance' }, 'sort'],
    [{ sort: 'popular', q: '住房' }, 'sort'],
    [{ facets: 'yes' }, 'facets'],
    [{ cursor: 'bm9wZQ' }, 'cursor'],
    [{ limit: '0' }, 'limit'],
    [{ region: '11' }, 'region'],
  ])('answers %o with 400 naming %s', async (query, field) => {
    const res = await http().get('/api/v1/disclosures').query(query);
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
  });

  it('refuses a ranked cursor on a newest-first list, and a public cursor on the agency list', async () => {
    await published('海淀区分页用的分配结果公示一');
    await published('海淀区分页用的分配结果公示二');
    const ranked = await http().get('/api/v1/disclosures').query({ q: '分页用', sort: 'relevance', limit: 1 });
    expect(ranked.status).toBe(200);
    expect(ranked.body.nextCursor).toEqual(expect.any(String));
    const mixed = await http().get('/api/v1/disclosures').query({ cursor: ranked.body.nextCursor });
    expect(mixed.status).toBe(400);
    const dated = await http().get('/api/v1/disclosures').query({ limit: 1 });
    const agency = await http().get('/api/v1/agency/disclosures').set(hd.auth).query({ cursor: dated.body.nextCursor });
    expect(agency.status).toBe(400);
    expect(agency.body.error.fields).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });

  it('answers facets and snippets through the API', async () => {
    await published('海淀区分面计数的分配结果公示一');
    await published('海淀区分面计数的分配结果公示二');
    const res = await http().get('/api/v1/disclosures').query({ q: '分面 计数', facets: 'true' });
    expect(res.status).toBe(200);
    expect(res.body.facets.total).toBe(2);
    expect(res.body.facets.field).toEqual([{ value: 'housing', count: 2 }]);
    expect(res.body.items[0].snippet).toBe('海淀区<mark>分面计数</mark>的分配结果公示二');
  });
});
