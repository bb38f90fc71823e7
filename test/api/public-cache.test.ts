import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Connection } from 'mongoose';
import { createApp } from '../../api/app.ts';
import { createPublicCache } from '../../core/public-cache.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { createSqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';

const CROSS_PROCESS_MS = 1000;
const db = await connectTestDb('public_cache');
const now = () => new Date('2026-10-09T10:00:00+08:00');

// The processes of one machine share the read model's file; each opens its own connection to it.
const readModelFile = testReadModel().file;

/** One API process on the shared database, with its own cache and a cache clock the test moves. */
function apiProcess(database: Connection) {
  const clock = { ms: 0 };
  const { logger } = captureLogs();
  const services = createServices(database, { readModel: createSqliteReadModel({ file: readModelFile }), logger, now, publicCache: { crossProcessMs: CROSS_PROCESS_MS, now: () => clock.ms } });
  const app = createApp({
    logger,
    db: database,
    queue: { processing: true, takesJobs: true },
    services,
    bodyLimit: '1mb',
    publicBaseUrl: BASE_URL,
    publicRateLimit: 100_000,
  }).callback();
  return { clock, services, http: () => request(app) };
}

const a = apiProcess(db);
const b = apiProcess(db);
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');
const LIST = '/api/v1/disclosures?field=housing&region=110000';
const FEED = '/feeds/feed.json?region=110108';

async function call(path: string, body: Record<string, unknown> = {}, status = 200) {
  const res = await a.http().post(path).set(hd.auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
async function publish(title: string): Promise<string> {
  const { id } = await call('/api/v1/disclosures', allocationResult({ title }), 201);
  await call(`/api/v1/disclosures/${id}/publish`);
  return id;
}
const listTitles = async (p: typeof a) => (await p.http().get(LIST).expect(200)).body.items.map((i: { title: string }) => i.title);
const feedTitles = async (p: typeof a) => JSON.parse((await p.http().get(FEED).buffer(true).parse(text as never).expect(200)).body).items.map((i: { title: string }) => i.title);
/** application/feed+json is not JSON to superagent: read it as text. */
function text(res: IncomingMessage, done: (err: Error | null, body: string) => void) {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => done(null, body));
}

const first = await publish('海淀区2026年第一批公共租赁住房分配结果公示');

describe('one process: its own changes show at once', () => {
  it('a publish reaches the cached list and feed in the next request', async () => {
    expect(await listTitles(a)).toEqual(['海淀区2026年第一批公共租赁住房分配结果公示']);
    const cachedFeed = await feedTitles(a);
    const etag = (await a.http().get(LIST)).headers.etag;
    await publish('海淀区2026年第二批公共租赁住房分配结果公示');
    expect(await listTitles(a)).toEqual(['海淀区2026年第二批公共租赁住房分配结果公示', '海淀区2026年第一批公共租赁住房分配结果公示']);
    expect((await feedTitles(a)).length).toBe(cachedFeed.length + 1);
    expect((await a.http().get(LIST)).headers.etag).not.toBe(etag);
  });

  it('a correction reaches the cached detail and list; a withdrawal too', async () => {
    const before = (await a.http().get(`/api/v1/disclosures/${first}`).expect(200)).body;
    expect(before.revision).toBe(1);
    await call(`/api/v1/disclosures/${first}/revisions`, { title: '海淀区2026年第一批公共租赁住房分配结果公示（更正）', content: allocationContent(['HD2026-0009']), note: '更正申请编号' });
    const corrected = (await a.http().get(`/api/v1/disclosures/${first}`).expect(200)).body;
    expect(corrected).toMatchObject({ status: 'corrected', revision: 2, current: { note: '更正申请编号' } });
    expect(await listTitles(a)).toContain('海淀区2026年第一批公共租赁住房分配结果公示（更正）');
    await call(`/api/v1/disclosures/${first}/withdraw`, { reason: '房源信息有误' });
    const withdrawn = (await a.http().get(`/api/v1/disclosures/${first}`).expect(200)).body;
    expect(withdrawn.withdrawn.reason).toBe('房源信息有误');
    const listed = (await a.http().get(LIST)).body.items.find((i: { id: string }) => i.id === first);
    expect(listed.status).toBe('withdrawn');
  });

  it('answers If-None-Match with 304 for lists and details, and 200 once changed', async () => {
    const detail = await a.http().get(`/api/v1/disclosures/${first}`).set('Accept-Encoding', 'identity');
    expect(detail.headers['cache-control']).toBe('public, no-cache');
    const tag = detail.headers.etag!;
    expect(tag).toMatch(/^"[\w-]+"$/);
    expect((await a.http().get(`/api/v1/disclosures/${first}`).set('If-None-Match', `W/${tag}`)).status).toBe(304);
    expect((await a.http().get(`/api/v1/disclosures/${first}`).set('If-Modified-Since', detail.headers['last-modified']!)).status).toBe(304);
    const list = await a.http().get(LIST);
    expect((await a.http().get(LIST).set('If-None-Match', list.headers.etag!)).status).toBe(304);
    await publish('海淀区2026年第三批公共租赁住房分配结果公示');
    const fresh = await a.http().get(LIST).set('If-None-Match', list.headers.etag!);
    expect(fresh.status).toBe(200);
    expect(fresh.body.items[0].title).toBe('海淀区2026年第三批公共租赁住房分配结果公示');
  });

  it('keys lists by the parsed query, so equivalent spellings share one entry and bad ones still get 400', async () => {
    const one = await a.http().get('/api/v1/disclosures?region=110000&field=housing&limit=20');
    const other = await a.http().get('/api/v1/disclosures?field=housing&region=110000');
    expect(one.headers.etag).toBe(other.headers.etag);
    expect((await a.http().get('/api/v1/disclosures?field=housing&limit=500')).status).toBe(400);
  });
});

describe('another process on the same database', () => {
  it('serves its cache until the bound, then shows a publish, a correction and a withdrawal', async () => {
    const listed = await listTitles(b);
    const feed = await feedTitles(b);
    const id = await publish('海淀区2026年第四批公共租赁住房分配结果公示');
    await a.services.publicCache.settled();
    // Within the bound, b may still answer from memory: that is what makes its hits free.
    expect(await listTitles(b)).toEqual(listed);
    b.clock.ms += CROSS_PROCESS_MS;
    expect((await listTitles(b))[0]).toBe('海淀区2026年第四批公共租赁住房分配结果公示');
    expect((await feedTitles(b)).length).toBe(feed.length + 1);

    const detail = (await b.http().get(`/api/v1/disclosures/${id}`).expect(200)).body;
    expect(detail.revision).toBe(1);
    await call(`/api/v1/disclosures/${id}/revisions`, { content: allocationContent(['HD2026-0077']), note: '补充轮候名单' });
    await a.services.publicCache.settled();
    b.clock.ms += CROSS_PROCESS_MS;
    expect((await b.http().get(`/api/v1/disclosures/${id}`).expect(200)).body).toMatchObject({ status: 'corrected', revision: 2 });

    await call(`/api/v1/disclosures/${id}/withdraw`, { reason: '重新公示' });
    await a.services.publicCache.settled();
    b.clock.ms += CROSS_PROCESS_MS;
    expect((await b.http().get(`/api/v1/disclosures/${id}`).expect(200)).body.status).toBe('withdrawn');
    expect((await b.http().get(LIST)).body.items.find((i: { id: string }) => i.id === id).status).toBe('withdrawn');
  });

  it('does not keep a 404: an item published elsewhere is found at once', async () => {
    const { id } = await call('/api/v1/disclosures', allocationResult({ title: '海淀区2026年第五批公共租赁住房分配结果公示' }), 201);
    expect((await b.http().get(`/api/v1/disclosures/${id}`)).status).toBe(404);
    await call(`/api/v1/disclosures/${id}/publish`);
    expect((await b.http().get(`/api/v1/disclosures/${id}`)).status).toBe(200);
  });
});

describe('the cache itself', () => {
  it('renders concurrent misses of one key once, and again after invalidate()', async () => {
    const cache = createPublicCache(db, { now: () => 0 });
    let renders = 0;
    const render = async () => ({ body: `v${++renders}` });
    const got = await Promise.all([cache.get('k', render), cache.get('k', render), cache.get('k', render)]);
    expect(got.map((g) => g.body)).toEqual(['v1', 'v1', 'v1']);
    expect(got[0]!.etag).toMatch(/^"[\w-]{27}"$/);
    await cache.invalidate();
    expect((await cache.get('k', render)).body).toBe('v2');
  });

  it('forgets a failed render and evicts the least recently used bodies beyond its size', async () => {
    const cache = createPublicCache(db, { now: () => 0, maxChars: 20 });
    await expect(cache.get('bad', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect((await cache.get('bad', async () => ({ body: 'ok' }))).body).toBe('ok');
    await cache.get('x', async () => ({ body: '12345' }));
    await cache.get('bad', async () => ({ body: 'unused' })); // a hit: 'bad' becomes the most recent
    await cache.get('y', async () => ({ body: '123456' }));
    expect(cache.size).toBe(2);
    expect((await cache.get('x', async () => ({ body: 'rendered again' }))).body).toBe('rendered again');
  });
});
