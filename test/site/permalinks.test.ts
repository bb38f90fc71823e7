import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { runFanOut } from '../../core/fanout/fan-out.ts';
import { fanOutWorld, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';

// The queue is stopped: each fan-out is run here, once, so the outbox holds exactly what it sent.
const world = await fanOutWorld('site_permalinks', { WECHAT_OA_MASS_TAG: '100' });
await world.queue.stop(1_000);
const { db, sandbox, http, deps } = world;
const OA = SANDBOX_APPS.oa.appId;
const tagId = sandbox.wechat.createTag(OA, '住房保障订阅');
sandbox.wechat.addFollower(OA, 'link-follower', { tags: [tagId] });
await subscribe(db, 'wechat-oa', 'link-follower');
const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');

async function fanOut(id: string, change: string) {
  for (const channel of ['wechat-oa', 'weibo', 'webhook']) expect((await runFanOut(deps, id, `${change}~${channel}`)).state).toBe('done');
}

async function create(body: Record<string, unknown>) {
  const created = await http().post('/api/v1/disclosures').set(auth).send(body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
  return created.body.id as string;
}

const notice = await create(allocationResult({ title: '海淀区公共租赁住房分配结果公示（模板消息）' }));
await fanOut(notice, 'r1');
await http().post(`/api/v1/disclosures/${notice}/revisions`).set(auth).send({ title: '海淀区公共租赁住房分配结果公示（更正）', note: '更正房号' }).expect(200);
await fanOut(notice, 'r2');
await http().post(`/api/v1/disclosures/${notice}/withdraw`).set(auth).send({ reason: '重新核实后再公示' }).expect(200);
await fanOut(notice, 'withdrawn');
const mass = await create({ ...allocationResult({ title: '海淀区保障房摇号公告（群发）' }), broadcast: true });
await fanOut(mass, 'r1');

const ours = (text: string) => [...text.matchAll(/https?:\/\/[^\s"'<>，。]+/g)].map((m) => m[0]).filter((u) => u.startsWith(BASE_URL));
const bodies = (channel: string, path?: string) =>
  sandbox.outbox
    .list(channel as never)
    .filter((e) => !path || e.path === path)
    .map((e) => e.body as Record<string, unknown>);

/** Every link a channel sent or a feed lists: it must be a page a resident can open. */
async function expectPages(urls: string[]) {
  expect(urls.length).toBeGreaterThan(0);
  for (const url of new Set(urls)) {
    expect(url.startsWith(`${BASE_URL}/disclosures/`), url).toBe(true);
    const res = await http().get(url.slice(BASE_URL.length));
    expect(res.status, url).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<html lang="zh-CN">');
  }
}

describe('every permalink a channel sends opens the public page', () => {
  it('official-account template messages (publish, correction, withdrawal) link to the page', async () => {
    const urls = bodies('wechat-oa', '/cgi-bin/message/template/send').map((b) => String(b.url));
    expect(urls).toEqual([`${BASE_URL}/disclosures/${notice}`, `${BASE_URL}/disclosures/${notice}?revision=2`, `${BASE_URL}/disclosures/${notice}`]);
    await expectPages(urls);
  });

  it('the mass send’s text carries the page link', async () => {
    const [sent] = bodies('wechat-oa', '/cgi-bin/message/mass/sendall');
    const urls = ours(JSON.stringify(sent));
    expect(urls).toEqual([`${BASE_URL}/disclosures/${mass}`]);
    await expectPages(urls);
  });

  it('Weibo posts end with the page link', async () => {
    const urls = bodies('weibo').flatMap((b) => ours(JSON.stringify(b)));
    expect(urls).toContain(`${BASE_URL}/disclosures/${notice}?revision=2`);
    await expectPages(urls);
  });

  it('webhook payloads carry the page link', async () => {
    const urls = bodies('webhook').map((b) => String(b.url));
    expect(urls).toContain(`${BASE_URL}/disclosures/${notice}?revision=2`);
    await expectPages(urls);
  });

  it('feed entries link to the page, in all three formats', async () => {
    const json = (await http().get('/feeds/feed.json').expect(200)).body as { items: { url: string }[] };
    const rss = (await http().get('/feeds/rss.xml').expect(200)).text;
    const atom = (await http().get('/feeds/atom.xml').expect(200)).text;
    const rssLinks = [...rss.matchAll(/<link>([^<]+)<\/link>/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((u) => u.includes('/disclosures/'));
    const atomLinks = [...atom.matchAll(/<link href="([^"]+)"\/>/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((u) => u.includes('/disclosures/'));
    expect(rssLinks.length).toBe(json.items.length);
    expect(atomLinks.length).toBe(json.items.length);
    await expectPages([...json.items.map((i) => i.url), ...rssLinks, ...atomLinks]);
  });
});
