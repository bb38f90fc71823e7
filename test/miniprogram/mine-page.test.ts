// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakeWx, networkError, ok, sequence } from './helpers/fake-wx.ts';
import { catalogue } from './helpers/fixtures.ts';
import { open } from './helpers/pages.ts';

let wx: FakeWx;

const subscriptions = [
  { id: 's1', field: 'housing', region: '110105', createdAt: '2026-03-01T02:00:00.000Z' },
  { id: 's2', applicationNumber: 'HD2026-0001', createdAt: '2026-03-02T02:00:00.000Z' },
  { id: 's3', field: 'housing', itemType: 'allocation-result', keywords: '公租房', createdAt: '2026-03-03T02:00:00.000Z' },
];

beforeEach(() => {
  wx = new FakeWx()
    .route('GET', '/api/v1/catalogue', ok(catalogue))
    .route('POST', '/api/v1/mp/login', ok({ token: 'tok-1', expiresAt: '2099-01-01T00:00:00.000Z' }))
    .route('GET', '/api/v1/me/subscriptions', ok({ items: subscriptions }))
    .route('DELETE', /^\/api\/v1\/me\/subscriptions\/[^/]+$/, { status: 204 })
    .install();
});

describe('我的订阅 pages/mine', () => {
  it('lists the subscriptions in words', async () => {
    const page = await open('mine');

    // (querySelector inside a built-in <view> is not scoped in j-component: select from the page.)
    expect(page.all('.subscription-text').map((s) => page.text(s))).toEqual([
      '住房保障 · 110105',
      '申请编号 HD2026-0001',
      '住房保障 · 分配结果 · 关键词 公租房',
    ]);
    expect(page.text('#list')).toContain('订阅于 2026-03-01 10:00');
    expect(wx.requestsTo('GET', '/api/v1/me/subscriptions')[0]!.header['Authorization']).toBe('Bearer tok-1');
  });

  it('deletes a subscription after the confirmation', async () => {
    const page = await open('mine');

    await page.tap(page.all('.btn-delete')[1]!);

    expect(wx.callsOf('showModal')[0]).toMatchObject({ title: '取消订阅', content: '确定不再接收「申请编号 HD2026-0001」的提醒吗？' });
    expect(wx.requestsTo('DELETE', /subscriptions/).map((r) => r.path)).toEqual(['/api/v1/me/subscriptions/s2']);
    expect(page.data['items'].map((i: { id: string }) => i.id)).toEqual(['s1', 's3']);
    expect(page.text('#list')).not.toContain('HD2026-0001');
    expect(wx.callsOf('showToast')[0]).toMatchObject({ title: '已取消订阅' });
  });

  it('keeps the subscription when the confirmation is cancelled', async () => {
    wx.modalConfirm = false;
    const page = await open('mine');

    await page.tap(page.all('.btn-delete')[0]!);

    expect(wx.requestsTo('DELETE', /subscriptions/)).toHaveLength(0);
    expect(page.all('.subscription')).toHaveLength(3);
  });

  it('shows the empty state after the last one is deleted', async () => {
    wx.route('GET', '/api/v1/me/subscriptions', ok({ items: [subscriptions[1]] }));
    const page = await open('mine');

    await page.tap('.btn-delete');

    expect(page.data['state']).toBe('empty');
    expect(page.text('#empty')).toContain('您还没有订阅任何公开信息');
    await page.tap('#go-subscribe');
    expect(wx.callsOf('switchTab')[0]).toMatchObject({ url: '/pages/subscribe/subscribe' });
  });

  it('keeps the item and says why when the delete fails', async () => {
    wx.route('DELETE', /^\/api\/v1\/me\/subscriptions\//, networkError);
    const page = await open('mine');

    await page.tap(page.all('.btn-delete')[0]!);

    expect(page.all('.subscription')).toHaveLength(3);
    expect(wx.callsOf('showToast')[0]).toMatchObject({ title: '网络不可用，请稍后重试' });
  });

  it('shows the empty state', async () => {
    wx.route('GET', '/api/v1/me/subscriptions', ok({ items: [] }));
    const page = await open('mine');

    expect(page.text('#empty')).toContain('您还没有订阅任何公开信息');
  });

  it('shows the error with 重试', async () => {
    wx.route('GET', '/api/v1/me/subscriptions', sequence(apiError(500, 'internal'), ok({ items: subscriptions })));
    const page = await open('mine');

    expect(page.text('#error')).toContain('服务暂时不可用，请稍后重试');
    await page.tap('#retry');
    expect(page.all('.subscription')).toHaveLength(3);
  });
});
