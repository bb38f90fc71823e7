// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakeWx, held, networkError, ok, sequence } from './helpers/fake-wx.ts';
import { catalogue, summary } from './helpers/fixtures.ts';
import { open, settle } from './helpers/pages.ts';

let wx: FakeWx;

beforeEach(() => {
  wx = new FakeWx().route('GET', '/api/v1/catalogue', ok(catalogue)).install();
});

describe('首页 pages/index', () => {
  it('shows 正在加载 until the list arrives, then the disclosures', async () => {
    const list = held(ok({ items: [summary(1), summary(2, { status: 'corrected' })], nextCursor: null }));
    wx.route('GET', '/api/v1/disclosures', list.handler);
    const page = await open('index');

    expect(page.data['state']).toBe('loading');
    expect(page.text('#loading')).toBe('正在加载…');

    list.release();
    await settle();

    expect(page.data['state']).toBe('ready');
    expect(page.has('#loading')).toBe(false);
    const cards = page.all('.item');
    expect(cards).toHaveLength(2);
    expect(page.text('#list')).toContain('公租房分配结果公示（第 1 批）');
    expect(page.text('#list')).toContain('朝阳区住房和城乡建设委员会');
    expect(page.text('#list')).toContain('住房保障 · 分配结果');
    expect(page.text('#list')).toContain('2026-03-02 09:30'); // China time
    expect(page.text('#list')).toContain('已更正');
    expect(wx.requestsTo('GET', '/api/v1/disclosures')[0]!.query).toEqual({ limit: '20' });
  });

  it('opens the detail page when a disclosure is tapped', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(7)], nextCursor: null }));
    const page = await open('index');

    await page.tap(page.all('.item')[0]!.querySelector('.card')!);

    expect(wx.callsOf('navigateTo')).toEqual([expect.objectContaining({ url: '/pages/detail/detail?id=d7' })]);
  });

  it('shows the empty state when nothing is published', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [], nextCursor: null }));
    const page = await open('index');

    expect(page.data['state']).toBe('empty');
    expect(page.text('#empty')).toBe('暂无符合条件的公开信息');
  });

  it('shows the error with 重试, and retrying loads the list', async () => {
    wx.route('GET', '/api/v1/disclosures', sequence(networkError, ok({ items: [summary(1)], nextCursor: null })));
    const page = await open('index');

    expect(page.data['state']).toBe('error');
    expect(page.text('#error')).toContain('网络不可用，请稍后重试');
    expect(page.text('#retry')).toBe('重试');

    await page.tap('#retry');

    expect(page.data['state']).toBe('ready');
    expect(page.all('.item')).toHaveLength(1);
    expect(wx.requestsTo('GET', '/api/v1/disclosures')).toHaveLength(2);
  });

  it('shows a server error in Chinese', async () => {
    wx.route('GET', '/api/v1/disclosures', apiError(500, 'internal', 'boom'));
    const page = await open('index');

    expect(page.text('#error')).toContain('服务暂时不可用，请稍后重试');
  });

  it('loads the next page with nextCursor at the bottom, and stops at the end', async () => {
    wx.route('GET', '/api/v1/disclosures', (req) =>
      req.query['cursor'] === 'c2'
        ? ok({ items: [summary(3)], nextCursor: null })
        : ok({ items: [summary(1), summary(2)], nextCursor: 'c2' }),
    );
    const page = await open('index');
    expect(page.all('.item')).toHaveLength(2);
    expect(page.text('#more')).toBe('加载更多');

    page.instance['onReachBottom']();
    await settle();

    expect(page.all('.item')).toHaveLength(3);
    expect(page.data['items'].map((i: { id: string }) => i.id)).toEqual(['d1', 'd2', 'd3']);
    expect(wx.requestsTo('GET', '/api/v1/disclosures').map((r) => r.query['cursor'])).toEqual([undefined, 'c2']);
    expect(page.has('#more')).toBe(false);
    expect(page.text('#list')).toContain('没有更多了');

    page.instance['onReachBottom']();
    await settle();
    expect(wx.requestsTo('GET', '/api/v1/disclosures')).toHaveLength(2);
  });

  it('filters by the field picked from the catalogue and by region', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null }));
    const page = await open('index');
    expect(page.data['fieldNames']).toEqual(['全部领域', '住房保障', '国有土地使用权出让']);

    await page.pick('#field-picker', 1);
    await page.type('#region-input', '110105');
    await page.tap('#region-apply');

    const queries = wx.requestsTo('GET', '/api/v1/disclosures').map((r) => r.query);
    expect(queries[1]).toEqual({ field: 'housing', limit: '20' });
    expect(queries[2]).toEqual({ field: 'housing', region: '110105', limit: '20' });
  });

  it('rejects a region code that is not 6 digits, without a request', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null }));
    const page = await open('index');

    await page.type('#region-input', '1101');
    await page.tap('#region-apply');

    expect(page.text('#region-error')).toContain('6 位数字');
    expect(wx.requestsTo('GET', '/api/v1/disclosures')).toHaveLength(1);
  });
});
