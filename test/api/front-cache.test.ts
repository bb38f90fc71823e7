import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { frontCache } from '../../api/front-cache.ts';
import type { PublicCache } from '../../core/public-cache.ts';
import { listen } from '../../api/server.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, testApp } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('front_cache');
const now = () => new Date('2026-10-09T10:00:00+08:00');
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');

// Every server of this file runs on one machine: one read model, as on one database.
const readModel = testReadModel();

/** A real listening server, so that the front cache sees what Node hands it. */
async function server(options: { publicRateLimit?: number; corsOrigins?: string[]; trustProxy?: boolean; clock?: { ms: number } } = {}) {
  const { logger, lines } = captureLogs();
  const services = createServices(db, { readModel, logger, now });
  const app = testApp(
    { logger, db, services },
    {
      publicRateLimit: options.publicRateLimit ?? 100_000,
      corsOrigins: options.corsOrigins,
      trustProxy: options.trustProxy,
      rateLimitClock: options.clock ? () => options.clock!.ms : undefined,
    },
  );
  const http = await listen(app, '127.0.0.1', 0);
  const base = `http://127.0.0.1:${http.port}`;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });
  return { app, base, get, lines, close: () => http.close(0), served: () => app.front!.served };
}

type Server = Awaited<ReturnType<typeof server>>;

/** Runs `use` against a fresh server and closes it afterwards, whatever happens. */
async function withServer(options: Parameters<typeof server>[0], use: (s: Server) => Promise<void>): Promise<void> {
  const s = await server(options);
  try {
    await use(s);
  } finally {
    await s.close();
  }
}

async function publish(base: string, title: string): Promise<string> {
  const post = async (path: string, body: unknown, status: number) => {
    const res = await fetch(base + path, { method: 'POST', headers: { ...hd.auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(status);
    return res.json() as Promise<{ id: string }>;
  };
  const { id } = await post('/api/v1/disclosures', allocationResult({ title }), 201);
  await post(`/api/v1/disclosures/${id}/publish`, {}, 200);
  return id;
}

type ListPage = { items: { title: string }[] };

/** The headers that may differ between two answers to the same request. */
const PER_REQUEST = new Set(['date', 'x-request-id']);
const comparable = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !PER_REQUEST.has(name)));

const setup = await server();
const firstId = await publish(setup.base, '海淀区2026年第一批公共租赁住房分配结果公示');
await setup.close();

describe('front cache', () => {
  const paths = () => ['/api/v1/disclosures?field=housing&region=110108', `/api/v1/disclosures/${firstId}`, '/feeds/rss.xml?region=110108', '/feeds/feed.json'];

  it.each([
    ['brotli', { 'Accept-Encoding': 'gzip, deflate, br' }],
    ['gzip', { 'Accept-Encoding': 'gzip' }],
    ['no coding', { 'Accept-Encoding': 'identity' }],
  ])('answers a repeated read (%s) exactly as Koa answered it, with its own request id', async (_label, headers) => {
    await withServer({}, async (s) => {
      for (const path of paths()) {
        const viaKoa = await s.get(path, headers);
        const koaBody = Buffer.from(await viaKoa.arrayBuffer());
        const before = s.served();
        const viaFront = await s.get(path, headers);
        const frontBody = Buffer.from(await viaFront.arrayBuffer());
        expect(s.served(), path).toBe(before + 1);
        expect(viaFront.status).toBe(200);
        expect(comparable(viaFront), path).toEqual(comparable(viaKoa));
        expect(frontBody.equals(koaBody), path).toBe(true);
        expect(viaFront.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(viaFront.headers.get('x-request-id')).not.toBe(viaKoa.headers.get('x-request-id'));
        expect(viaFront.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
      // The access line is the Koa path's: same fields, path without the query string.
      const access = s.lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request' && line.path === '/feeds/rss.xml');
      expect(access).toHaveLength(2);
      expect(Object.keys(access[1]).sort()).toEqual(Object.keys(access[0]).sort());
      expect(access[1]).toMatchObject({ method: 'GET', status: 200, level: 30 });
    });
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    await withServer({}, async (s) => {
      await s.get('/feeds/feed.json');
      const echoed = await s.get('/feeds/feed.json', { 'X-Request-Id': 'trace-0123456789' });
      expect(echoed.headers.get('x-request-id')).toBe('trace-0123456789');
      const replaced = await s.get('/feeds/feed.json', { 'X-Request-Id': 'no' });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(s.served()).toBe(2);
    });
  });

  it('stops answering from a rendering as soon as a publish changes what is public', async () => {
    await withServer({}, async (s) => {
      const list = '/api/v1/disclosures?field=housing&region=110108';
      const feed = '/feeds/rss.xml?region=110108';
      await s.get(list);
      await s.get(feed);
      const cachedList = (await (await s.get(list)).json()) as ListPage;
      expect(s.served()).toBe(1);
      const title = `海淀区2026年第${cachedList.items.length + 1}批公共租赁住房分配结果公示（前置缓存）`;
      await publish(s.base, title);
      const served = s.served();
      const list2 = (await (await s.get(list)).json()) as ListPage;
      const feed2 = await (await s.get(feed)).text();
      // Both went the Koa way and rendered again.
      expect(s.served()).toBe(served);
      expect(list2.items.map((item) => item.title)).toContain(title);
      expect(feed2).toContain(title);
      // And the new renderings are the front cache's from now on.
      await s.get(list);
      expect(s.served()).toBe(served + 1);
    });
  });

  it('answers a matching conditional request with the 304 Koa gives, and a stale one with the whole body', async () => {
    await withServer({}, async (s) => {
      for (const path of ['/feeds/atom.xml?region=110108', `/api/v1/disclosures/${firstId}`]) {
        const plain = await fetch(s.base + path, { headers: { 'Accept-Encoding': 'br' } });
        const etag = plain.headers.get('etag')!;
        await plain.arrayBuffer();
        const served = s.served();
        const viaFront = await s.get(path, { 'Accept-Encoding': 'br', 'If-None-Match': etag });
        const before = s.served();
        expect(before).toBe(served + 1);
        expect(viaFront.status).toBe(304);
        // A fresh server has not remembered the URL: this 304 is Koa's.
        await withServer({}, async (other) => {
          const viaKoa = await other.get(path, { 'Accept-Encoding': 'br', 'If-None-Match': etag });
          expect(other.served()).toBe(0);
          expect(viaKoa.status).toBe(304);
          expect(comparable(viaFront), path).toEqual(comparable(viaKoa));
        });
        const stale = await s.get(path, { 'Accept-Encoding': 'br', 'If-None-Match': '"something-older"' });
        expect(stale.status).toBe(200);
        expect(Buffer.from(await stale.arrayBuffer()).length).toBeGreaterThan(0);
        expect(s.served()).toBe(before + 1);
      }
      // Dated responses (a detail) also answer If-Modified-Since; lists and feeds carry no date.
      const detail = `/api/v1/disclosures/${firstId}`;
      const lastModified = (await s.get(detail)).headers.get('last-modified')!;
      const served = s.served();
      const since = await s.get(detail, { 'If-Modified-Since': lastModified });
      expect(since.status).toBe(304);
      expect(s.served()).toBe(served + 1);
      const access = s.lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request' && line.status === 304);
      expect(access.length).toBeGreaterThanOrEqual(3);
    });
  });

  it('leaves HEAD, unseen Accept-Encoding values, padded and unknown URLs to Koa', async () => {
    await withServer({}, async (s) => {
      const path = '/feeds/atom.xml?region=110108';
      const first = await s.get(path);
      await first.arrayBuffer();
      const head = await fetch(s.base + path, { method: 'HEAD' });
      expect(head.status).toBe(200);
      const oddCoding = await s.get(path, { 'Accept-Encoding': 'gzip;q=0.5, br;q=0, zstd' });
      expect(oddCoding.headers.get('content-encoding')).toBe('gzip');
      await oddCoding.arrayBuffer();
      const otherQuery = await s.get(`${path}&agency=bj-haidian-zjw`);
      await otherQuery.arrayBuffer();
      // Padded past 2 KB: valid, answered, never remembered.
      const padded = `${path}${'&'.repeat(2100)}`;
      for (let i = 0; i < 2; i++) expect((await s.get(padded)).status).toBe(200);
      expect(s.served()).toBe(0);
      // Now that value has been negotiated once, the front cache answers it with the same choice.
      const again = await s.get(path, { 'Accept-Encoding': 'gzip;q=0.5, br;q=0, zstd' });
      expect(again.headers.get('content-encoding')).toBe('gzip');
      expect(s.served()).toBe(1);
    });
  });

  it('spends the public rate limit of the client it answers, and Koa refuses with 429 when it is spent', async () => {
    const clock = { ms: 0 };
    await withServer({ publicRateLimit: 3, trustProxy: true, clock }, async (s) => {
      const path = '/feeds/feed.json?region=110108';
      const from = (ip: string) => ({ 'X-Forwarded-For': `10.0.0.9, ${ip}` });
      for (let i = 0; i < 3; i++) expect((await s.get(path, from('203.0.113.7'))).status).toBe(200);
      expect(s.served()).toBe(2);
      const refused = await s.get(path, from('203.0.113.7'));
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('20');
      // Another client, by the last hop the proxy added, has its own budget.
      expect((await s.get(path, from('203.0.113.8'))).status).toBe(200);
      expect(s.served()).toBe(3);
      clock.ms += 20_000;
      expect((await s.get(path, from('203.0.113.7'))).status).toBe(200);
      expect(s.served()).toBe(4);
    });
  });

  it('with CORS configured, varies by Origin and leaves cross-origin requests to Koa', async () => {
    const origin = 'https://www.bjhd.gov.cn';
    await withServer({ corsOrigins: [origin] }, async (s) => {
      const path = '/feeds/feed.json';
      const viaKoa = await s.get(path);
      await viaKoa.arrayBuffer();
      const viaFront = await s.get(path);
      await viaFront.arrayBuffer();
      expect(s.served()).toBe(1);
      expect(viaFront.headers.get('vary')).toBe(viaKoa.headers.get('vary'));
      expect(viaFront.headers.get('vary')).toMatch(/Origin/);
      const cross = await s.get(path, { Origin: origin });
      await cross.arrayBuffer();
      expect(cross.headers.get('access-control-allow-origin')).toBe(origin);
      expect(s.served()).toBe(1);
    });
  });

  it('hands the request to Koa, and logs why, when answering from the cache throws', async () => {
    const { logger, lines } = captureLogs();
    const broken = { peek: () => { throw new Error('cache entry unreadable'); } } as unknown as PublicCache;
    const front = frontCache({ publicCache: broken, logger, takeToken: () => undefined, trustProxy: false, cors: false });
    front.remember('/feeds/rss.xml', { key: 'feed:rss', type: 'application/rss+xml; charset=utf-8', cacheControl: 'public, max-age=60' });
    const server = http.createServer((req, res) => {
      if (!front.serve(req, res)) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('from koa');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/feeds/rss.xml?x=1`);
      expect(res.status).toBe(200);
      // Not remembered with that query: straight to the fallback, nothing logged.
      expect(await res.text()).toBe('from koa');
      expect(lines.filter((line) => line.includes('front cache failed'))).toHaveLength(0);
      const broken2 = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/feeds/rss.xml`);
      expect(await broken2.text()).toBe('from koa');
      const logged = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'front cache failed; the request goes the Koa way');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 50, path: '/feeds/rss.xml', err: { message: 'cache entry unreadable' } });
      expect(front.served).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
