// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakeWx, networkError, ok, sequence } from './helpers/fake-wx.ts';
import { catalogue, mpConfig } from './helpers/fixtures.ts';
import { open } from './helpers/pages.ts';

let wx: FakeWx;

beforeEach(() => {
  wx = new FakeWx()
    .route('GET', '/api/v1/catalogue', ok(catalogue))
    .route('GET', '/api/v1/mp/config', ok(mpConfig))
    .route('POST', '/api/v1/mp/login', ok({ token: 'tok-1', expiresAt: '2099-01-01T00:00:00.000Z' }))
    .route('POST', '/api/v1/me/consents', ok({}))
    .route('POST', '/api/v1/me/subscriptions', (req) => ok({ id: 's1', ...(req.data as object), createdAt: '2026-03-01T00:00:00Z' }, 201))
    .install();
});

async function withApplicationNumber(value: string) {
  const page = await open('subscribe');
  await page.tap('#mode-application');
  await page.type('#application-input', value);
  return page;
}

describe('订阅 pages/subscribe', () => {
  it('asks for consent first, reports it, then saves the application-number subscription', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'accept', 'TMPL-B': 'accept' };
    const page = await withApplicationNumber('HD2026-0001');
    const before = wx.events.length;

    await page.tap('#submit');

    expect(wx.callsOf('requestSubscribeMessage')).toEqual([expect.objectContaining({ tmplIds: ['TMPL-A', 'TMPL-B'] })]);
    // The popup comes straight from the tap, before any request (login included).
    expect(wx.events.slice(before)).toEqual([
      'wx.requestSubscribeMessage',
      'wx.login',
      'POST /api/v1/mp/login',
      'POST /api/v1/me/consents',
      'POST /api/v1/me/subscriptions',
    ]);
    const [consents] = wx.requestsTo('POST', '/api/v1/me/consents');
    expect(consents!.data).toEqual({ results: { 'TMPL-A': 'accept', 'TMPL-B': 'accept' } });
    expect(consents!.header['Authorization']).toBe('Bearer tok-1');
    const [subscription] = wx.requestsTo('POST', '/api/v1/me/subscriptions');
    expect(subscription!.data).toEqual({ applicationNumber: 'HD2026-0001' });
    expect(subscription!.header['Authorization']).toBe('Bearer tok-1');
    expect(wx.requestsTo('POST', '/api/v1/mp/login')[0]!.data).toEqual({ code: 'code-1' });

    expect(page.data['resultKind']).toBe('success');
    expect(page.text('#result')).toContain('已订阅：申请编号 HD2026-0001');
    expect(page.text('#result')).toContain('服务通知');
  });

  it('pre-fills field and region from the website’s 小程序码 scene, and ignores any other scene', async () => {
    const page = await open('subscribe', { scene: encodeURIComponent('sub1_housing_110108') });
    expect(page.data['fieldCodes']).toContain('housing');
    expect((page.data['fieldCodes'] as string[])[page.data['fieldIndex'] as number]).toBe('housing');
    expect(page.data['region']).toBe('110108');
    const other = await open('subscribe', { scene: encodeURIComponent('sub1_$where_1101') });
    expect(other.data['fieldIndex']).toBe(0);
    expect(other.data['region']).toBe('');
  });

  it('loads the template ids before the tap', async () => {
    await open('subscribe');

    expect(wx.events).toEqual(expect.arrayContaining(['GET /api/v1/mp/config', 'GET /api/v1/catalogue']));
    expect(wx.callsOf('requestSubscribeMessage')).toHaveLength(0);
  });

  it('reports the exact results the popup gave', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'accept', 'TMPL-B': 'ban' };
    const page = await withApplicationNumber('HD2026-0001');

    await page.tap('#submit');

    expect(wx.requestsTo('POST', '/api/v1/me/consents')[0]!.data).toEqual({ results: { 'TMPL-A': 'accept', 'TMPL-B': 'ban' } });
  });

  it('counts acceptWithAudio as accept and reports only the requested templates', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'acceptWithAudio', 'TMPL-B': 'filter', 'OTHER': 'accept' };
    const page = await withApplicationNumber('HD2026-0001');

    await page.tap('#submit');

    expect(wx.requestsTo('POST', '/api/v1/me/consents')[0]!.data).toEqual({ results: { 'TMPL-A': 'accept', 'TMPL-B': 'filter' } });
  });

  it('refuses an invalid application number without any request or popup', async () => {
    const page = await withApplicationNumber('HD 2026/0001');
    const before = wx.requests.length;

    await page.tap('#submit');

    expect(page.text('#application-error')).toBe('申请编号只能包含字母、数字和 -');
    expect(wx.requests.length).toBe(before);
    expect(wx.callsOf('requestSubscribeMessage')).toHaveLength(0);
  });

  it('refuses an empty or too long application number', async () => {
    const page = await withApplicationNumber('');
    await page.tap('#submit');
    expect(page.text('#application-error')).toBe('请输入申请编号');

    await page.type('#application-input', 'A'.repeat(41));
    await page.tap('#submit');
    expect(page.text('#application-error')).toBe('申请编号最多 40 个字符');
    expect(wx.requestsTo('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
  });

  it('still saves when consent is rejected, and says notices need consent', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'reject', 'TMPL-B': 'reject' };
    const page = await withApplicationNumber('HD2026-0001');

    await page.tap('#submit');

    expect(wx.requestsTo('POST', '/api/v1/me/consents')[0]!.data).toEqual({ results: { 'TMPL-A': 'reject', 'TMPL-B': 'reject' } });
    expect(wx.requestsTo('POST', '/api/v1/me/subscriptions')[0]!.data).toEqual({ applicationNumber: 'HD2026-0001' });
    expect(page.data['resultKind']).toBe('needs-consent');
    expect(page.text('#result')).toContain('已保存订阅');
    expect(page.text('#result')).toContain('您没有同意接收通知');
    expect(page.all('.notice').map((n) => page.text(n))).toEqual([page.text('#result')]); // styled as a notice
  });

  it('still saves when the popup fails, without reporting consents', async () => {
    wx.subscribeAnswer = { fail: { errMsg: 'requestSubscribeMessage:fail main switch is off', errCode: 20004 } };
    const page = await withApplicationNumber('HD2026-0001');

    await page.tap('#submit');

    expect(wx.requestsTo('POST', '/api/v1/me/consents')).toHaveLength(0);
    expect(wx.requestsTo('POST', '/api/v1/me/subscriptions')).toHaveLength(1);
    expect(page.data['resultKind']).toBe('needs-consent');
  });

  it('subscribes to a field, item type and region', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'accept', 'TMPL-B': 'accept' };
    const page = await open('subscribe');

    await page.pick('#field-picker', 1);
    expect(page.data['itemTypeNames']).toEqual(['全部事项', '分配结果', '分配政策']);
    await page.pick('#item-type-picker', 1);
    await page.type('#region-input', '110105');
    await page.tap('#submit');

    expect(wx.requestsTo('POST', '/api/v1/me/subscriptions')[0]!.data).toEqual({
      field: 'housing',
      itemType: 'allocation-result',
      region: '110105',
    });
    expect(page.text('#result')).toContain('已订阅：住房保障 · 分配结果 · 110105');
  });

  it('asks for at least one filter, and for a 6-digit region', async () => {
    const page = await open('subscribe');
    await page.tap('#submit');
    expect(page.text('#form-error')).toBe('请至少选择领域或填写行政区划代码');

    await page.type('#region-input', '1101');
    await page.tap('#submit');
    expect(page.text('#region-error')).toContain('6 位数字');
    expect(wx.callsOf('requestSubscribeMessage')).toHaveLength(0);
    expect(wx.requestsTo('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
  });

  it("shows the field's message from a 400", async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'accept', 'TMPL-B': 'accept' };
    wx.route(
      'POST',
      '/api/v1/me/subscriptions',
      apiError(400, 'validation_failed', 'invalid input', [{ path: 'applicationNumber', message: '该申请编号不存在' }]),
    );
    const page = await withApplicationNumber('HD2026-9999');

    await page.tap('#submit');

    expect(page.text('#application-error')).toBe('该申请编号不存在');
    expect(page.data['resultKind']).toBe('failure');
    expect(page.text('#result')).toContain('订阅失败');
  });

  it('shows the error state with 重试 when the settings cannot be loaded', async () => {
    wx.route('GET', '/api/v1/mp/config', sequence(networkError, ok(mpConfig)));
    const page = await open('subscribe');

    expect(page.text('#error')).toContain('网络不可用，请稍后重试');
    expect(page.has('#submit')).toBe(false);

    await page.tap('#retry');
    expect(page.data['state']).toBe('ready');
    expect(page.has('#submit')).toBe(true);
  });
});
