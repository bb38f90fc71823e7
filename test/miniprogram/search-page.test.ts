// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeWx, held, networkError, ok, sequence } from './helpers/fake-wx.ts';
import type { RecordedRequest } from './helpers/fake-wx.ts';
import { catalogue, summary } from './helpers/fixtures.ts';
import { open, settle } from './helpers/pages.ts';
import type { PageHandle } from './helpers/pages.ts';

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

    expect(wx.requestsTo('GET', '/api/v1/disclosures')[0]!.query).toEqual({ q: '公租房 分配', limit: '20', facets: 'true' });
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

  describe('facets, sorting and highlights', () => {
    const facets = (overrides: Record<string, unknown> = {}) => ({
      total: 37,
      field: [
        { value: 'housing', count: 30 },
        { value: 'land', count: 7 },
      ],
      itemType: [{ value: 'allocation-result', count: 37 }],
      region: [
        { value: '110000', count: 33 },
        { value: '310000', count: 4 },
      ],
      agency: [{ value: 'bj-chaoyang-zjw', count: 37 }],
      year: [
        { value: '2026', count: 25 },
        { value: '2025', count: 12 },
      ],
      ...overrides,
    });
    const lists = () => wx.requestsTo('GET', '/api/v1/disclosures');
    const last = (): RecordedRequest => lists().at(-1)!;
    const chip = (page: PageHandle, group: string, label: string) => {
      const found = page.all(`#facet-${group} .chip`).find((c) => page.text(c).includes(label));
      if (!found) throw new Error(`no ${label} chip in ${group}: ${page.text(`#facet-${group}`)}`);
      return found;
    };
    async function searchFor(q: string) {
      const page = await open('search');
      await page.type('#keyword-input', q);
      await page.tap('#search');
      return page;
    }

    it('asks for facets with a new search and shows the total and the chips, fields by their names', async () => {
      wx.route('GET', '/api/v1/catalogue', ok(catalogue));
      wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null, facets: facets() }));
      const page = await searchFor('公租房');

      expect(last().query).toEqual({ q: '公租房', limit: '20', facets: 'true' });
      expect(page.text('#total')).toBe('共 37 条');
      // 国有土地使用权出让 is in no result on screen: only the catalogue names it.
      expect(page.text('#facet-field')).toBe('领域： 住房保障 30 国有土地使用权出让 7');
      expect(page.text('#facet-year')).toBe('年份： 2026 年 25 2025 年 12');
      expect(page.text('#facet-region')).toBe('行政区划： 110000 33 310000 4');
      expect(page.text('#refine')).not.toContain('✓ 住房保障');
      expect(page.has('#sampled')).toBe(false);
    });

    it('says when the chips count only the newest matches of a very common word', async () => {
      wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null, facets: facets({ total: 250_000, exhaustive: false }) }));
      const page = await searchFor('住房');
      expect(page.text('#total')).toBe('共 250000 条');
      expect(page.text('#sampled')).toBe('分类数目按最新的部分结果统计');
    });

    it('names fields from the results without the catalogue, else shows the code', async () => {
      wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null, facets: facets() }));
      const page = await searchFor('公租房');

      expect(wx.requestsTo('GET', '/api/v1/catalogue')).toHaveLength(1); // answered 404
      expect(page.text('#facet-field')).toBe('领域： 住房保障 30 land 7');
    });

    it('leaves out a group with one value it cannot narrow, and shows no total without facets', async () => {
      wx.route('GET', '/api/v1/disclosures', sequence(ok({ items: [summary(1)], nextCursor: null, facets: facets({ year: [{ value: '2026', count: 37 }] }) }), ok({ items: [summary(1)], nextCursor: null })));
      const page = await searchFor('公租房');
      expect(page.has('#facet-year')).toBe(false);
      expect(page.has('#facet-field')).toBe(true);

      await page.type('#keyword-input', '土地');
      await page.tap('#search');
      expect(page.has('#total')).toBe(false);
      expect(page.has('#facet-field')).toBe(false);
      expect(page.all('.item')).toHaveLength(1);
    });

    it('refines the search with a tapped chip, shows it chosen, and a second tap removes it', async () => {
      wx.route('GET', '/api/v1/catalogue', ok(catalogue));
      wx.route('GET', '/api/v1/disclosures', (req) =>
        ok({
          items: [summary(1)],
          nextCursor: null,
          facets: req.query['field'] === 'land' ? facets({ total: 7, field: [{ value: 'land', count: 7 }] }) : facets(),
        }),
      );
      const page = await searchFor('公租房');

      await page.tap(chip(page, 'field', '国有土地使用权出让'));
      expect(last().query).toEqual({ q: '公租房', field: 'land', limit: '20', facets: 'true' });
      expect(page.text('#total')).toBe('共 7 条');
      expect(page.text('#facet-field')).toBe('领域： ✓ 国有土地使用权出让 7');

      await page.tap(chip(page, 'field', '国有土地使用权出让'));
      expect(last().query).toEqual({ q: '公租房', limit: '20', facets: 'true' });
      expect(page.text('#facet-field')).toBe('领域： 住房保障 30 国有土地使用权出让 7');
    });

    it('turns a year chip into that year’s dates, alongside other chips', async () => {
      wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null, facets: facets() }));
      const page = await searchFor('公租房');

      await page.tap(chip(page, 'field', '住房保障'));
      await page.tap(chip(page, 'year', '2025 年'));

      expect(last().query).toEqual({ q: '公租房', field: 'housing', from: '2025-01-01', to: '2025-12-31', limit: '20', facets: 'true' });
      expect(page.text(chip(page, 'year', '2025 年'))).toBe('✓ 2025 年 12');
    });

    it('keeps a chosen region on screen while its facets count the level below, to tap it off', async () => {
      wx.route('GET', '/api/v1/disclosures', (req) =>
        ok({
          items: [summary(1)],
          nextCursor: null,
          facets: req.query['region']
            ? facets({ total: 33, region: [{ value: '110105', count: 20 }, { value: '110108', count: 13 }] })
            : facets(),
        }),
      );
      const page = await searchFor('公租房');

      await page.tap(chip(page, 'region', '110000'));
      expect(last().query['region']).toBe('110000');
      expect(page.text('#facet-region')).toBe('行政区划： ✓ 110000 33 110105 20 110108 13');

      await page.tap(chip(page, 'region', '110000'));
      expect(last().query['region']).toBeUndefined();
      expect(page.text('#facet-region')).toBe('行政区划： 110000 33 310000 4');
    });

    it('drops the chips chosen for earlier keywords when new ones are searched', async () => {
      wx.route('GET', '/api/v1/disclosures', ok({ items: [summary(1)], nextCursor: null, facets: facets() }));
      const page = await searchFor('公租房');
      await page.tap(chip(page, 'year', '2026 年'));

      await page.type('#keyword-input', '土地');
      await page.tap('#search');

      expect(last().query).toEqual({ q: '土地', limit: '20', facets: 'true' });
      expect(page.text('#refine')).not.toContain('✓ 2026');
    });

    it('drops a late answer for a refinement already replaced by another', async () => {
      const slow = held(ok({ items: [summary(8)], nextCursor: null, facets: facets({ total: 30 }) }));
      wx.route('GET', '/api/v1/disclosures', (req, nth) =>
        nth === 1 ? slow.handler(req, nth) : ok({ items: [summary(nth === 0 ? 1 : 9)], nextCursor: null, facets: facets({ total: 12 }) }),
      );
      const page = await searchFor('公租房');

      await page.tap(chip(page, 'field', '住房保障'));
      await page.tap(chip(page, 'year', '2025 年'));
      slow.release();
      await settle();

      expect(page.data['items'].map((c: { id: string }) => c.id)).toEqual(['d9']);
      expect(page.text('#total')).toBe('共 12 条');
    });

    it('offers 相关度 only with keywords, and switching sends sort=relevance until 最新 is chosen again', async () => {
      wx.route('GET', '/api/v1/disclosures', (req) =>
        req.query['cursor'] ? ok({ items: [summary(3)], nextCursor: null }) : ok({ items: [summary(1)], nextCursor: 'n2', facets: facets() }),
      );
      const page = await open('search');
      expect(page.has('#sort-relevance')).toBe(false);
      await page.type('#keyword-input', '  ');
      await page.tap('#search');
      expect(page.has('#sort-relevance')).toBe(false);

      await page.type('#keyword-input', '公租房');
      await page.tap('#search');
      expect(page.text('#sort-date')).toBe('✓ 最新');
      expect(last().query['sort']).toBeUndefined();

      await page.tap('#sort-relevance');
      expect(last().query).toEqual({ q: '公租房', sort: 'relevance', limit: '20', facets: 'true' });
      expect(page.text('#sort-relevance')).toBe('✓ 相关度');
      expect(page.text('#sort-date')).toBe('最新');

      await page.tap('#more');
      expect(last().query).toEqual({ q: '公租房', sort: 'relevance', cursor: 'n2', limit: '20' });

      await page.tap('#sort-date');
      expect(last().query).toEqual({ q: '公租房', limit: '20', facets: 'true' });
      expect(lists()).toHaveLength(4);
    });

    it('does not ask for facets when loading more, and keeps those of the first page', async () => {
      wx.route('GET', '/api/v1/disclosures', (req) =>
        req.query['cursor'] ? ok({ items: [summary(3)], nextCursor: null }) : ok({ items: [summary(1)], nextCursor: 'n2', facets: facets() }),
      );
      const page = await searchFor('公租房');
      await page.tap(chip(page, 'field', '住房保障'));

      await page.tap('#more');

      expect(last().query).toEqual({ q: '公租房', field: 'housing', cursor: 'n2', limit: '20' });
      expect(page.all('.item')).toHaveLength(2);
      expect(page.text('#total')).toBe('共 37 条');
      expect(page.text(chip(page, 'field', '住房保障'))).toBe('✓ 住房保障 30');
    });

    it('shows each snippet with the matched words in .mark, escaped text as written, the title without one', async () => {
      wx.route('GET', '/api/v1/disclosures', ok({
        items: [
          summary(1, { snippet: '<mark>公租房</mark>分配结果公示（第 1 批）' }),
          summary(2, { snippet: '…申请人须提交 &lt;b&gt;收入证明&lt;/b&gt; &amp; <mark>公租房</mark>申请表…' }),
          summary(3),
        ],
        nextCursor: null,
      }));
      const page = await searchFor('公租房');
      const [first, second, third] = page.all('.item');

      expect(first!.querySelectorAll('.card-title .mark').map((m) => page.text(m))).toEqual(['公租房']);
      expect(page.text(first!.querySelector('.card-title')!)).toBe('公租房分配结果公示（第 1 批）');
      expect(first!.querySelector('.card-excerpt')).toBeUndefined();

      expect(page.text(second!.querySelector('.card-title')!)).toBe('公租房分配结果公示（第 2 批）');
      expect(second!.querySelectorAll('.card-title .mark')).toHaveLength(0);
      const excerpt = second!.querySelector('.card-excerpt')!;
      expect(page.text(excerpt)).toBe('…申请人须提交 <b>收入证明</b> & 公租房申请表…');
      expect(second!.querySelectorAll('.card-excerpt .mark').map((m) => page.text(m))).toEqual(['公租房']);
      // Shown as characters: the page has no <b> element, only the text.
      expect(excerpt.dom!.innerHTML).toContain('&lt;b&gt;收入证明&lt;/b&gt;');
      expect(excerpt.dom!.innerHTML).not.toMatch(/<b>/);

      expect(page.text(third!.querySelector('.card-title')!)).toBe('公租房分配结果公示（第 3 批）');
      expect(third!.querySelectorAll('.mark')).toHaveLength(0);
    });
  });
});
