// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeWx, networkError, ok, sequence } from './helpers/fake-wx.ts';
import { summary } from './helpers/fixtures.ts';
import { open } from './helpers/pages.ts';

let wx: FakeWx;

beforeEach(() => {
  wx = new FakeWx().install();
});

describe('搜索 pages/search', () => {
  it('searches the keywords and lists the results', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1), summary(2)], nextCursor: null }));
    const page = await open('search');
    expect(page.text('#idle')).toBe('输入关键词搜索已公开的信息');

    await page.type('#keyword-input', ' 公租房 分配 ');
    await page.tap('#search');

    expect(wx.requestsTo('GET', '/api/v1/disclosures')[0]!.query).toEqual({ q: '公租房 分配', limit: '20' });
    expect(page.all('.item')).toHaveLength(2);
    expect(page.text('#list')).toContain('公租房分配结果公示（第 2 批）');
  });

  it('shows 未找到相关信息 when nothing matches', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [], nextCursor: null }));
    const page = await open('search');

    await page.type('#keyword-input', '不存在的词');
    await page.tap('#search');

    expect(page.data['state']).toBe('empty');
    expect(page.text('#empty')).toBe('未找到相关信息');
  });

  it('makes no request for blank keywords', async () => {
    const page = await open('search');

    await page.type('#keyword-input', '   ');
    await page.tap('#search');

    expect(wx.requests).toHaveLength(0);
    expect(page.data['state']).toBe('idle');
  });

  it('shows the error with 重试, which repeats the search', async () => {
    wx.route('GET', '/api/v1/disclosures', sequence(networkError, ok({ items: [summary(1)], nextCursor: null })));
    const page = await open('search');
    await page.type('#keyword-input', '公租房');
    await page.tap('#search');

    expect(page.text('#error')).toContain('网络不可用，请稍后重试');
    await page.tap('#retry');

    expect(wx.requestsTo('GET', '/api/v1/disclosures').map((r) => r.query['q'])).toEqual(['公租房', '公租房']);
    expect(page.all('.item')).toHaveLength(1);
  });

  it('loads more results with nextCursor', async () => {
    wx.route('GET', '/api/v1/disclosures', (req) =>
      req.query['cursor'] ? ok({ items: [summary(3)], nextCursor: null }) : ok({ items: [summary(1)], nextCursor: 'n2' }),
    );
    const page = await open('search');
    await page.type('#keyword-input', '公租房');
    await page.tap('#search');

    await page.tap('#more');

    expect(wx.requestsTo('GET', '/api/v1/disclosures')[1]!.query).toEqual({ q: '公租房', cursor: 'n2', limit: '20' });
    expect(page.all('.item')).toHaveLength(2);
  });
});
