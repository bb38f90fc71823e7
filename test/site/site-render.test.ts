import { describe, expect, it } from 'vitest';
import { allocationResult, BASE_URL } from '../helpers/registry.ts';
import { SECRET, siteWorld, STRANGER_TITLE } from './site-world.ts';

const w = await siteWorld('site_render');
const { ids } = w;
const page = async (path: string) => {
  const res = await w.http().get(path);
  expect(res.headers['content-type'], path).toMatch(/^text\/html; charset=utf-8/);
  return res;
};
const jsonLd = (text: string) => JSON.parse(/<script type="application\/ld\+json">([^<]*)<\/script>/.exec(text)![1]!) as Record<string, unknown>;

describe('the disclosure page', () => {
  it('escapes a stranger’s markup in the title', async () => {
    const res = await page(`/disclosures/${ids.stranger}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('海淀区&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;共有产权房摇号结果公示');
    expect(res.text).not.toContain('<script>alert');
    // The JSON-LD keeps the title as data, its < escaped so it cannot end the element.
    expect(jsonLd(res.text).headline).toBe(STRANGER_TITLE);
  });

  it('renders the content as labelled tables, a withheld value as its notice and never the value', async () => {
    const res = await page(`/disclosures/${ids.corrected}`);
    expect(res.text).toMatch(/<th scope="row">项目名称<\/th><td>海淀区永丰家园公共租赁住房<\/td>/);
    expect(res.text).toContain('<th scope="col">申请编号</th>');
    // The enum's words come from its description: allocated is 已分配.
    expect(res.text).toContain('<td>已分配</td>');
    expect(res.text).toContain('<em class="notice">依法不予公开（商业秘密）</em>');
    for (const path of [`/disclosures/${ids.corrected}`, `/disclosures/${ids.corrected}?revision=1`, `/disclosures?q=${encodeURIComponent('内部评分细则')}`, '/', '/sitemap.xml']) {
      expect((await w.http().get(path)).text, path).not.toContain(SECRET);
    }
  });

  it('lists the attachments with their links', async () => {
    const res = await page(`/disclosures/${ids.corrected}`);
    expect(res.text).toContain('<a href="https://files.example.gov.cn/hd/2026-3.pdf" rel="nofollow noopener">分配结果名单.pdf</a>');
  });

  it('lists the agency’s 回应 on the original, and links a 回应 to what it answers', async () => {
    const original = await page(`/disclosures/${ids.corrected}`);
    expect(original.text).toContain('本机关回应');
    expect(original.text).toContain(`<a class="title" href="/disclosures/${ids.response}">关于第三批公共租赁住房分配结果的回应</a>`);
    const response = await page(`/disclosures/${ids.response}`);
    expect(response.text).toContain(`<a href="/disclosures/${ids.corrected}">查看所回应的信息</a>`);
  });

  it('names the responsible agency and its basis', async () => {
    const res = await page(`/disclosures/${ids.corrected}`);
    expect(res.text).toContain('<a href="/agencies/bj-haidian-zjw">北京市海淀区住房和城乡建设委员会</a>');
    expect(res.text).toContain('谁实施、谁公开');
  });

  it('shows the revision history with change notes, and an earlier revision on ?revision=N', async () => {
    const latest = await page(`/disclosures/${ids.corrected}`);
    expect(latest.text).toContain('版本记录');
    expect(latest.text).toContain('变更说明：更正第二户的轮候序号');
    expect(latest.text).toContain(`<a href="/disclosures/${ids.corrected}?revision=1">第 1 版</a>`);
    expect(latest.text).toContain('<h1>海淀区2026年第三批公共租赁住房分配结果公示（更正）');
    const first = await page(`/disclosures/${ids.corrected}?revision=1`);
    expect(first.status).toBe(200);
    expect(first.text).toContain('您正在查看第 1 版（共 2 版）');
    expect(first.text).toContain(`<link rel="canonical" href="${BASE_URL}/disclosures/${ids.corrected}?revision=1">`);
    const missing = await page(`/disclosures/${ids.corrected}?revision=9`);
    expect(missing.status).toBe(404);
  });

  it('shows a withdrawn item with a banner and its reason', async () => {
    const res = await page(`/disclosures/${ids.withdrawn}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<div class="banner" role="note"><strong>本信息已撤回<\/strong>撤回理由：发现名单录入错误，核实后重新公示/);
    expect(jsonLd(res.text).creativeWorkStatus).toBe('Withdrawn');
  });

  it('carries canonical, Open Graph, feed discovery and Article JSON-LD published by a GovernmentOrganization', async () => {
    const res = await page(`/disclosures/${ids.corrected}`);
    expect(res.text).toContain(`<link rel="canonical" href="${BASE_URL}/disclosures/${ids.corrected}">`);
    expect(res.text).toContain(`<meta property="og:url" content="${BASE_URL}/disclosures/${ids.corrected}">`);
    expect(res.text).toContain('<meta property="og:type" content="article">');
    const ld = jsonLd(res.text);
    expect(ld).toMatchObject({ '@context': 'https://schema.org', '@type': 'Article', url: `${BASE_URL}/disclosures/${ids.corrected}` });
    expect(ld.publisher).toMatchObject({ '@type': 'GovernmentOrganization', name: '北京市海淀区住房和城乡建设委员会' });
    const list = await page('/disclosures?field=housing');
    expect(list.text).toContain(`<link rel="alternate" type="application/rss+xml" title="住房保障（RSS）" href="${BASE_URL}/feeds/rss.xml?field=housing">`);
    expect(list.text).toContain(`href="${BASE_URL}/feeds/atom.xml?field=housing"`);
    expect(list.text).toContain(`href="${BASE_URL}/feeds/feed.json?field=housing"`);
  });

  it('answers an unknown or malformed id with a Chinese 404 page', async () => {
    for (const path of ['/disclosures/0123456789abcdef01234567', '/disclosures/not-an-id', '/agencies/no-such-agency', '/agencies/BAD!']) {
      const res = await page(path);
      expect(res.status, path).toBe(404);
      expect(res.text).toContain('页面不存在（404）');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });
});

describe('lists and search', () => {
  it('highlights matches, counts facets as links and filters by them', async () => {
    const res = await page(`/disclosures?q=${encodeURIComponent('公租房')}`);
    expect(res.text).toContain('<mark>公共租赁住房</mark>');
    expect(res.text).toMatch(/<a href="\/disclosures\?q=%E5%85%AC%E7%A7%9F%E6%88%BF&amp;field=housing">住房保障（\d+）<\/a>/);
    expect(res.text).not.toContain('本信息已撤回');
    const blacklist = await page('/blacklist');
    expect(blacklist.text).toContain('某建筑公司列入失信黑名单的公告');
    expect(blacklist.text).not.toContain('公共租赁住房分配结果公示');
    const agency = await page('/agencies/bj-haidian-zjw');
    expect(agency.text).toContain('<h1>北京市海淀区住房和城乡建设委员会</h1>');
  });

  it('escapes the search words wherever the page repeats them', async () => {
    const res = await page(`/disclosures?q=${encodeURIComponent('"><b>摇号')}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('"><b>');
    expect(res.text).toContain('<h1>搜索：&quot;&gt;&lt;b&gt;摇号</h1>');
    expect(res.text).toContain('value="&quot;&gt;&lt;b&gt;摇号"');
  });

  it('pages with a next-page link carrying the cursor', async () => {
    const first = await page('/disclosures?limit=2');
    const next = /<a class="button" rel="next" href="([^"]+)">下一页<\/a>/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(next).toMatch(/^\/disclosures\?cursor=/);
    const second = await page(next);
    expect(second.status).toBe(200);
    expect(second.text).toContain('回到第一页');
  });

  it('treats empty form boxes as unset', async () => {
    const res = await page('/disclosures?q=&field=&region=&sort=');
    expect(res.status).toBe(200);
  });

  it('answers a bad parameter with a 400 page naming it, never a 500', async () => {
    const cases: [string, string][] = [
      ['/disclosures?from=2026-13-45', 'from'],
      ['/disclosures?field=weather', 'field'],
      ['/disclosures?sort=relevance', 'sort'],
      ['/disclosures?colour=red', 'colour'],
      ['/disclosures?cursor=garbage', 'cursor'],
      ['/disclosures?limit=100000', 'limit'],
      [`/disclosures/${ids.corrected}?revision=abc`, 'revision'],
      ['/blacklist?region=12', 'region'],
      ['/disclosures?field=housing&field=land', 'field'],
      ['/agencies/bj-haidian-zjw?to=yesterday', 'to'],
    ];
    for (const [path, field] of cases) {
      const res = await page(path);
      expect(res.status, path).toBe(400);
      expect(res.text, path).toContain(`参数 <code>${field}</code>`);
    }
  });
});

describe('caching', () => {
  it('answers a matching If-None-Match with 304, and a new page after a correction', async () => {
    const path = `/disclosures/${ids.corrected}`;
    const first = await page(path);
    const etag = first.headers.etag!;
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect((await w.http().get(path).set('If-None-Match', etag)).status).toBe(304);
    const home = await page('/');
    const homeTag = home.headers.etag!;
    await w.correct('第二次更正：补充房号', '海淀区2026年第三批公共租赁住房分配结果公示（第二次更正）').expect(200);
    await w.services.publicCache.settled();
    const after = await w.http().get(path).set('If-None-Match', etag);
    expect(after.status).toBe(200);
    expect(after.text).toContain('第二次更正：补充房号');
    expect((await w.http().get('/').set('If-None-Match', homeTag)).status).toBe(200);
  });

  it('answers a repeated page from the front cache with the page’s own CSP', async () => {
    const path = `/disclosures/${ids.stranger}`;
    const front = w.app.front!;
    const first = await w.http().get(path).set('Accept-Encoding', 'identity').expect(200);
    const before = front.served;
    const again = await w.http().get(path).set('Accept-Encoding', 'identity').expect(200);
    expect(front.served).toBe(before + 1);
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const name of ['content-security-policy', 'cross-origin-resource-policy', 'referrer-policy', 'x-frame-options', 'etag']) {
      expect(again.headers[name], name).toBe(first.headers[name]);
    }
    expect(again.headers['content-security-policy']).toContain("style-src 'self'");
  });

  it('shows a new publication on the list once published', async () => {
    const before = await page('/disclosures?field=housing');
    const id = await w.publish(allocationResult({ title: '海淀区2026年第四批公共租赁住房分配结果公示' }));
    const after = await w.http().get('/disclosures?field=housing').set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.text).toContain(`/disclosures/${id}`);
  });
});

describe('the rest of the site', () => {
  it('sends the strict CSP and no inline script', async () => {
    for (const path of ['/', `/disclosures/${ids.corrected}`, '/subscribe', '/display']) {
      const res = await page(path);
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      expect(res.text.replace(/<script type="application\/ld\+json">[^<]*<\/script>/g, '')).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    }
  });

  it('lists every public item in the sitemap, from the read model', async () => {
    const index = await w.http().get('/sitemap.xml').expect(200);
    expect(index.headers['content-type']).toMatch(/^application\/xml/);
    expect(index.text).toContain(`<loc>${BASE_URL}/sitemaps/pages.xml</loc>`);
    expect(index.text).toContain(`<loc>${BASE_URL}/sitemaps/disclosures-1.xml</loc>`);
    const items = await w.http().get('/sitemaps/disclosures-1.xml').expect(200);
    for (const id of Object.values(ids)) expect(items.text).toContain(`<loc>${BASE_URL}/disclosures/${id}</loc>`);
    const pages = await w.http().get('/sitemaps/pages.xml').expect(200);
    expect(pages.text).toContain(`<loc>${BASE_URL}/agencies/bj-haidian-zjw</loc>`);
    expect((await w.http().get('/sitemaps/disclosures-2.xml')).status).toBe(404);
    expect((await w.http().get('/robots.txt')).text).toContain(`Sitemap: ${BASE_URL}/sitemap.xml`);
  });

  it('switches large text and high contrast by a cookie, returning only to this site', async () => {
    const toggled = await w.http().get('/display?toggle=large&back=%2Fdisclosures%3Ffield%3Dhousing');
    expect(toggled.status).toBe(303);
    expect(toggled.headers.location).toBe('/disclosures?field=housing');
    const cookie = toggled.headers['set-cookie']![0]!.split(';')[0]!;
    expect(cookie).toBe('gk_display=large');
    const css = await w.http().get('/site/display.css').set('Cookie', cookie);
    expect(css.text).toContain('font-size: 137.5%');
    expect(css.headers['cache-control']).toBe('private, no-cache');
    const both = await w.http().get('/display?large=1&contrast=1&back=/').set('Cookie', cookie);
    expect(both.headers['set-cookie']![0]).toMatch(/^gk_display=large\.contrast;/);
    expect((await w.http().get('/site/display.css').set('Cookie', 'gk_display=large.contrast')).text).toContain('--bg: #000');
    expect((await w.http().get('/site/display.css')).text).not.toContain('font-size');
    for (const back of ['//evil.example/x', '/\\evil.example', 'https://evil.example']) {
      expect((await w.http().get(`/display?toggle=contrast&back=${encodeURIComponent(back)}`)).headers.location, back).toBe('/');
    }
  });

  it('explains the official account’s text commands on the subscribe page, pre-filled from the filter', async () => {
    const res = await page('/subscribe?field=housing&region=110108');
    expect(res.text).toContain('<code>订阅 住房保障 110108</code>');
    expect(res.text).toContain(`${BASE_URL}/feeds/rss.xml?field=housing&amp;region=110108`);
    expect(res.text).not.toMatch(/<svg|<img/);
  });

  it('links the 依申请公开 form from every page', async () => {
    expect((await page('/')).text).toContain('<a href="/requests/new">依申请公开</a>');
  });

  it('leaves the API and feeds as they were', async () => {
    const api = await w.http().get('/api/v1/disclosures?limit=1').expect(200);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    expect((await w.http().get('/api/v1/nothing-here')).headers['content-type']).toMatch(/^application\/json/);
  });
});
