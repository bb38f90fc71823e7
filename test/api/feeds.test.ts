import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL, registryApp } from '../helpers/registry.ts';

const { db, http, clock } = await registryApp('feeds');
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');
const hp = await agencyWithKey(db, 'sh-huangpu-fgj', 'publisher', '上海市黄浦区住房保障和房屋管理局');
const at = (time: string) => (clock.now = new Date(`2026-10-09T${time}+08:00`));

const MARKER = `MARKER-${randomUUID()}`;
const XSS_TITLE = `海淀区<script>&"'公租房</script>分配结果公示`;
const ATTACHMENT = { name: '分配结果.pdf', url: 'https://files.example.gov.cn/a.pdf', sha256: 'ab'.repeat(32) };
const NOTICE = '依法不予公开（商业秘密）';

async function draft(agency: typeof hd, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await http().post('/api/v1/disclosures').set(agency.auth).send(allocationResult(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}
async function post(agency: typeof hd, path: string, body: Record<string, unknown> = {}) {
  const res = await http().post(path).set(agency.auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const publish = (agency: typeof hd, id: string) => post(agency, `/api/v1/disclosures/${id}/publish`);

/** GET as text whatever the content type (superagent buffers only text/* and JSON by itself). */
function get(path: string, headers: Record<string, string> = {}) {
  return http()
    .get(path)
    .set(headers)
    .buffer(true)
    .parse(((res: IncomingMessage, done: (err: Error | null, body: string) => void) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    }) as never)
    .then((res) => ({ status: res.status, headers: res.headers as Record<string, string>, text: res.body as string }));
}

// --- a tiny XML reader: enough to check well-formedness and read the elements the feeds use ---
const INVALID_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const BAD_TEXT = /<|&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)|\]\]>/;
const TAG = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g;

function xmlProblems(xml: string): string[] {
  const problems = INVALID_XML_CHAR.test(xml) ? ['invalid character'] : [];
  const body = xml.replace(/^<\?xml [^>]*\?>/, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  let last = 0;
  for (const m of body.matchAll(TAG)) {
    if (BAD_TEXT.test(body.slice(last, m.index))) problems.push(`bad text before ${m[0]}`);
    for (const [, value] of m[3]!.matchAll(/="([^"]*)"/g)) if (BAD_TEXT.test(value!)) problems.push(`bad attribute in ${m[0]}`);
    if (m[1]) {
      if (stack.pop() !== m[2]) problems.push(`unbalanced </${m[2]}>`);
    } else if (!m[4]) stack.push(m[2]!);
    last = m.index + m[0].length;
  }
  if (BAD_TEXT.test(body.slice(last)) || stack.length) problems.push('unclosed or trailing text');
  return problems;
}
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => (e[0] === '#' ? String.fromCodePoint(Number(e.replace('#', '0'))) : ENTITIES[e]!));
/** The text of an element: CDATA sections taken as they are, the rest unescaped. */
const decode = (s: string) => s.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/).map((p) => (p.startsWith('<![CDATA[') ? p.slice(9, -3) : unescape(p))).join('').trim();
const htmlDecode = unescape;
/**
 * Entry titles as plain text. Atom's type="html" titles are HTML, and aggregators read RSS titles
 * as HTML too, so neither may carry raw tags: both are HTML-escaped, inside the CDATA.
 */
function titles(xml: string): string[] {
  return [...xml.matchAll(/<title(?: type="html")?>([\s\S]*?)<\/title>/g)].map(([, raw]) => {
    const text = decode(raw!);
    expect(text).not.toMatch(/<\/?[a-z]/i);
    return htmlDecode(text);
  });
}
const elements = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
const texts = (xml: string, tag: string) => elements(xml, tag).map(decode);
const attrs = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}((?:\\s+[\\w:.-]+="[^"]*")*)\\s*/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => [a[1]!, decode(a[2]!)])),
  );

interface JsonFeed {
  feed_url: string;
  items: { id: string; url: string; title: string; tags: string[]; date_published?: string; content_html: string; attachments?: { url: string; mime_type: string }[] }[];
}
/** Entry ids of any format, newest first. */
function ids(format: string, text: string): string[] {
  if (format === 'rss') return texts(text, 'guid');
  if (format === 'atom') return elements(text, 'entry').map((e) => texts(e, 'id')[0]!);
  return (JSON.parse(text) as JsonFeed).items.map((i) => i.id);
}
const FORMATS = [
  { format: 'rss', path: '/feeds/rss.xml', type: 'application/rss+xml' },
  { format: 'atom', path: '/feeds/atom.xml', type: 'application/atom+xml' },
  { format: 'json', path: '/feeds/feed.json', type: 'application/feed+json' },
] as const;
const urn = (id: string, rev: number | 'withdrawn') => `urn:gongkai:disclosure:${id}:${rev === 'withdrawn' ? rev : `revision:${rev}`}`;

// A (海淀, corrected, with attachment), B (黄浦), C (海淀, XSS title, withheld marker), D (黄浦, withdrawn).
at('10:00:00');
const A = await draft(hd, { attachments: [ATTACHMENT] });
const B = await draft(hp, { title: '黄浦区2026年人才公寓配租结果公示', region: '310101' });
const C = await draft(hd, { title: XSS_TITLE, withheld: [{ path: 'method', basis: 'commercial-secret' }], content: { ...allocationContent(['HD2026-0101']), method: MARKER } });
const D = await draft(hp, { title: '黄浦区2026年第二批共有产权住房分配结果公示', region: '310101' });
const published: Record<string, string> = {};
for (const [id, agency, time] of [[A, hd, '10:01:00.250'], [B, hp, '10:02:00'], [C, hd, '10:03:00'], [D, hp, '10:04:00']] as const) {
  at(time);
  published[id] = (await publish(agency, id)).revisions[0].publishedAt;
}
const before = Object.fromEntries(await Promise.all(FORMATS.map(async (f) => [f.format, (await get(f.path)).text] as const)));
at('10:05:00.500');
const corrected = await post(hd, `/api/v1/disclosures/${A}/revisions`, { content: allocationContent(['HD2026-0001', 'HD2026-0003']), note: '更正第二户申请编号' });
at('10:06:00');
await post(hp, `/api/v1/disclosures/${D}/withdraw`, { reason: '房源信息有误，撤回后重新公示' });

describe.each(FORMATS)('$path', ({ format, path, type }) => {
  it(`answers 200 with ${type} and a well-formed document`, async () => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`${type}; charset=utf-8`);
    if (format === 'json') expect(() => JSON.parse(res.text)).not.toThrow();
    else expect(xmlProblems(res.text)).toEqual([]);
  });

  it('has one entry per published revision plus one per withdrawal, newest first, with stable ids', async () => {
    const now = ids(format, (await get(path)).text);
    expect(now).toEqual([urn(D, 'withdrawn'), urn(A, 2), urn(D, 1), urn(C, 1), urn(B, 1), urn(A, 1)]);
    expect(ids(format, before[format]!)).toEqual([urn(D, 1), urn(C, 1), urn(B, 1), urn(A, 1)]);
  });

  it('lists the field and agency names as categories', async () => {
    const { text } = await get(path);
    const names =
      format === 'json' ? (JSON.parse(text) as JsonFeed).items.map((i) => i.tags) :
      format === 'rss' ? elements(text, 'item').map((e) => texts(e, 'category')) :
      elements(text, 'entry').map((e) => attrs(e, 'category').map((c) => c.term ?? ''));
    expect(names).toHaveLength(6);
    for (const tags of names) expect(tags).toContain('住房保障');
    expect(names[1]).toContain('北京市海淀区住房和城乡建设委员会');
    expect(names[0]).toContain('上海市黄浦区住房保障和房屋管理局');
  });

  it('never contains a withheld value, only its notice', async () => {
    for (const query of ['', '?agency=bj-haidian-zjw', '?region=110108']) {
      const { text } = await get(`${path}${query}`);
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain(MARKER.slice(7)); // the uuid part alone, in case of splitting
      expect(text).toContain(NOTICE);
    }
    // Nor is it searchable (the self link echoes the query, so only the entries are checked).
    expect(ids(format, (await get(`${path}?q=${encodeURIComponent(MARKER)}`)).text)).toEqual([]);
  });

  it('carries BASE_URL and the query string in its self link', async () => {
    const { text } = await get(`${path}?region=110000&field=housing`);
    const self =
      format === 'json' ? (JSON.parse(text) as JsonFeed).feed_url :
      format === 'rss' ? attrs(text, 'atom:link').find((l) => l.rel === 'self')?.href :
      attrs(text, 'link').find((l) => l.rel === 'self')?.href;
    expect(self).toBe(`${BASE_URL}${path}?region=110000&field=housing`);
  });

  it('filters: region prefix, empty field, keyword', async () => {
    expect(ids(format, (await get(`${path}?region=110000`)).text)).toEqual([urn(A, 2), urn(C, 1), urn(A, 1)]);
    expect(ids(format, (await get(`${path}?region=310000`)).text)).toEqual([urn(D, 'withdrawn'), urn(D, 1), urn(B, 1)]);
    const empty = await get(`${path}?field=land`);
    expect(empty.status).toBe(200);
    expect(ids(format, empty.text)).toEqual([]);
    if (format !== 'json') expect(xmlProblems(empty.text)).toEqual([]);
    expect(ids(format, (await get(`${path}?q=${encodeURIComponent('人才公寓')}`)).text)).toEqual([urn(B, 1)]);
  });

  it('ignores parameters it does not know (tracking tags readers and WeChat append), in answer and self link', async () => {
    const plain = await get(`${path}?region=110000`);
    for (const extra of ['utm_source=wechat&from=timeline', 'limit=5', 'cursor=x', 'colour=red']) {
      const res = await get(`${path}?${extra}&region=110000`);
      expect(res.status).toBe(200);
      expect(ids(format, res.text)).toEqual(ids(format, plain.text));
      expect(res.text).not.toContain('utm_source');
      expect(res.text).not.toContain('colour');
    }
  });

  it('tells caches a feed is fresh for a minute', async () => {
    expect((await get(path)).headers['cache-control']).toBe('public, max-age=60');
  });

  it.each([
    ['region=abc', 'region'],
    ['field=mines', 'field'],
    ['field=housing&from=2026-02-30', 'from'],
  ])('answers 400 naming the field for ?%s', async (query, name) => {
    const res = await http().get(`${path}?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body.error.fields)).toContain(name);
  });

  it('answers conditional requests with 304 by ETag (strong or weak) and by date', async () => {
    const identity = { 'Accept-Encoding': 'identity' };
    const first = await get(path, identity);
    const { etag, 'last-modified': lastModified } = first.headers;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(lastModified).toBe(new Date('2026-10-09T10:06:00+08:00').toUTCString());
    for (const inm of [etag!, `W/${etag}`, `"other", ${etag}`]) {
      const res = await get(path, { ...identity, 'If-None-Match': inm });
      expect(res.status).toBe(304);
      expect(res.text).toBe('');
      expect(res.headers.etag).toBe(etag);
    }
    expect((await get(path, { ...identity, 'If-Modified-Since': lastModified! })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified!) - 1000).toUTCString();
    expect((await get(path, { ...identity, 'If-Modified-Since': earlier })).status).toBe(200);
    expect((await get(path, { ...identity, 'If-None-Match': '"stale"', 'If-Modified-Since': lastModified! })).status).toBe(200);
  });

  it('an empty feed has an ETag to revalidate by, and no Last-Modified to claim a date it never had', async () => {
    const empty = await get(`${path}?field=land`, { 'Accept-Encoding': 'identity' });
    expect(empty.status).toBe(200);
    expect(empty.headers['last-modified']).toBeUndefined();
    expect((await get(`${path}?field=land`, { 'Accept-Encoding': 'identity', 'If-None-Match': empty.headers.etag! })).status).toBe(304);
    // A date alone cannot vouch for a feed without one.
    expect((await get(`${path}?field=land`, { 'Accept-Encoding': 'identity', 'If-Modified-Since': new Date().toUTCString() })).status).toBe(200);
  });

  it('goes out compressed to readers that accept it, the same feed under a weak ETag', async () => {
    const plain = await get(path, { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const [accept, coding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip']] as const) {
      const res = await get(path, { 'Accept-Encoding': accept });
      expect(res.headers['content-encoding']).toBe(coding);
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.text).toBe(plain.text);
      expect(res.headers.etag).toBe(`W/${plain.headers.etag}`);
      expect((await get(path, { 'Accept-Encoding': accept, 'If-None-Match': plain.headers.etag! })).status).toBe(304);
    }
  });
});

describe('dates, links and enclosures', () => {
  it('RSS pubDate is the revision’s publishedAt as an RFC 822 date', async () => {
    const items = elements((await get('/feeds/rss.xml')).text, 'item');
    const byGuid = Object.fromEntries(items.map((i) => [texts(i, 'guid')[0], i]));
    expect(texts(byGuid[urn(A, 1)]!, 'pubDate')).toEqual([new Date(published[A]!).toUTCString()]);
    expect(texts(byGuid[urn(A, 2)]!, 'pubDate')).toEqual([new Date(corrected.revisions[1].publishedAt).toUTCString()]);
    expect(texts(byGuid[urn(A, 1)]!, 'pubDate')[0]).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(texts(byGuid[urn(D, 'withdrawn')]!, 'pubDate')).toEqual(['Fri, 09 Oct 2026 02:06:00 GMT']);
    expect(attrs(items[1]!, 'guid')[0]).toEqual({ isPermaLink: 'false' });
  });

  it('Atom entries carry ISO updated and published dates', async () => {
    const entries = elements((await get('/feeds/atom.xml')).text, 'entry');
    const byId = Object.fromEntries(entries.map((e) => [texts(e, 'id')[0], e]));
    expect(texts(byId[urn(A, 1)]!, 'published')).toEqual([new Date(published[A]!).toISOString()]);
    expect(texts(byId[urn(A, 1)]!, 'updated')).toEqual(['2026-10-09T02:01:00.250Z']);
    expect(texts(byId[urn(A, 2)]!, 'updated')).toEqual(['2026-10-09T02:05:00.500Z']);
  });

  it('a correction is titled 【更正】 and links to its revision', async () => {
    const json = JSON.parse((await get('/feeds/feed.json')).text) as JsonFeed;
    const r2 = json.items.find((i) => i.id === urn(A, 2))!;
    expect(r2.title).toBe('【更正】海淀区2026年第三批公共租赁住房分配结果公示');
    expect(r2.url).toBe(`${BASE_URL}/disclosures/${A}?revision=2`);
    expect(r2.date_published).toBe(corrected.revisions[1].publishedAt);
    expect(json.items.find((i) => i.id === urn(D, 'withdrawn'))!.title).toMatch(/^【撤回】/);
  });

  it('RSS gives the first attachment as an enclosure', async () => {
    const items = elements((await get('/feeds/rss.xml')).text, 'item');
    const a1 = items.find((i) => texts(i, 'guid')[0] === urn(A, 1))!;
    expect(attrs(a1, 'enclosure')).toEqual([expect.objectContaining({ url: ATTACHMENT.url, type: 'application/pdf' })]);
  });

  it('Atom gives the first attachment as an enclosure link with its real media type', async () => {
    const entries = elements((await get('/feeds/atom.xml')).text, 'entry');
    const a1 = entries.find((e) => texts(e, 'id')[0] === urn(A, 1))!;
    expect(attrs(a1, 'link').filter((l) => l.rel === 'enclosure')).toEqual([
      expect.objectContaining({ href: ATTACHMENT.url, type: 'application/pdf' }),
    ]);
  });

  it('JSON Feed gives the first attachment in attachments', async () => {
    const json = JSON.parse((await get('/feeds/feed.json')).text) as JsonFeed;
    const a1 = json.items.find((i) => i.id === urn(A, 1))!;
    expect(a1.attachments).toEqual([expect.objectContaining({ url: ATTACHMENT.url, mime_type: 'application/pdf' })]);
  });
});

describe('escaping', () => {
  it('JSON Feed keeps a title with markup and Chinese as plain text', async () => {
    const json = JSON.parse((await get('/feeds/feed.json')).text) as JsonFeed;
    expect(json.items.find((i) => i.id === urn(C, 1))!.title).toBe(XSS_TITLE);
  });

  it.each(['/feeds/rss.xml', '/feeds/atom.xml'])('%s escapes a title with <script>&"\' — no raw markup', async (path) => {
    const { text } = await get(path);
    expect(text).toContain('海淀区');
    expect(text).not.toMatch(/<\/?script/i);
    expect(titles(text)).toContain(XSS_TITLE);
  });

  it('RSS and Atom stay well-formed with markup in the agency name, change note, attachment name and a ]]> title', async () => {
    const odd = await agencyWithKey(db, 'odd-names', 'publisher', '<b>A&B</b> "区" 住建委');
    at('10:07:00');
    const id = await draft(odd, { region: '120101', attachments: [{ ...ATTACHMENT, name: 'a&b<c>"d".pdf' }] });
    await publish(odd, id);
    at('10:08:00');
    await post(odd, `/api/v1/disclosures/${id}/revisions`, { title: '天津市和平区]]>分配]]>结果<i>', note: '更正<script>x</script>' });
    for (const path of ['/feeds/rss.xml', '/feeds/atom.xml']) {
      const { text } = await get(`${path}?agency=odd-names`);
      expect(xmlProblems(text), path).toEqual([]);
      expect(text, path).not.toMatch(/<\/?(script|b|i)>/);
      expect(titles(text), path).toContain('【更正】天津市和平区]]>分配]]>结果<i>');
    }
  });

  it('a title with a control character never makes the XML invalid', async () => {
    at('10:09:00');
    const res = await http().post('/api/v1/disclosures').set(hd.auth).send(allocationResult({ title: '海淀区\u0007分配结果\u000B公示', region: '110101' }));
    if (res.status === 201) {
      await publish(hd, res.body.id);
      for (const path of ['/feeds/rss.xml?region=110101', '/feeds/atom.xml?region=110101']) expect(xmlProblems((await get(path)).text)).toEqual([]);
    } else {
      expect(res.status).toBe(400);
    }
  });
});

describe('cache invalidation', () => {
  it('a new publish through the API changes the ETag at once; the old ETag then gets 200', async () => {
    const path = '/feeds/rss.xml?agency=sh-huangpu-fgj';
    const old = (await get(path)).headers.etag!;
    expect((await get(path, { 'If-None-Match': old })).status).toBe(304);
    at('10:10:00');
    const id = await draft(hp, { title: '黄浦区2026年第三批公共租赁住房分配结果公示', region: '310101' });
    await publish(hp, id);
    const fresh = await get(path);
    expect(fresh.headers.etag).not.toBe(old);
    expect(ids('rss', fresh.text)[0]).toBe(urn(id, 1));
    expect((await get(path, { 'If-None-Match': old })).status).toBe(200);
    expect((await get(path, { 'If-None-Match': fresh.headers.etag! })).status).toBe(304);
  });

  it('a second change at the same instant also reaches the cached feed', async () => {
    const path = '/feeds/feed.json?agency=sh-huangpu-fgj';
    at('10:11:00');
    const first = await draft(hp, { region: '310101' });
    await publish(hp, first);
    expect(ids('json', (await get(path)).text)[0]).toBe(urn(first, 1));
    const second = await draft(hp, { region: '310101', title: '黄浦区2026年第四批公共租赁住房分配结果公示' });
    await publish(hp, second);
    expect(ids('json', (await get(path)).text)).toContain(urn(second, 1));
  });
});
