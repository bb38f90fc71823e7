// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakeWx, ok } from './helpers/fake-wx.ts';
import { mpConfig } from './helpers/fixtures.ts';
import { open } from './helpers/pages.ts';

let wx: FakeWx;

const lines = [
  { receiptNumber: 'Y20261009-7K3M9QXD', agencyCode: 'bj-haidian-zjw', state: 'in-progress', submittedAt: '2026-10-09T02:00:00Z', receivedOn: '2026-10-09', dueOn: '2026-11-05', overdue: true },
  { receiptNumber: 'Y20261110-AAAAAAAA', agencyCode: 'bj-haidian-zjw', state: 'awaiting-receipt', submittedAt: '2026-11-10T02:00:00Z', overdue: false },
];
const view = {
  receiptNumber: 'Y20261009-7K3M9QXD',
  agencyCode: 'bj-haidian-zjw',
  state: 'decided',
  requester: { type: 'natural', name: '张*明', idNumber: '1101**********002X' },
  receivedOn: '2026-10-09',
  dueOn: '2026-11-05',
  extendedDays: 0,
  events: [
    { type: 'submitted', name: '提交申请', on: '2026-10-09' },
    { type: 'received', name: '确认收到申请', on: '2026-10-09' },
    { type: 'decided', name: '作出答复', on: '2026-10-20' },
  ],
  reply: { decisionName: '予以公开', basis: '《中华人民共和国政府信息公开条例》第三十六条第（二）项', notice: '您申请的政府信息可以公开。', text: '现予公开。', information: '摇号记录见附件' },
};

const agencies = [
  { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会', region: '110105' },
  { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' },
];

beforeEach(() => {
  wx = new FakeWx()
    .route('GET', '/api/v1/mp/config', ok(mpConfig))
    .route('GET', '/api/v1/agencies', ok({ items: agencies }))
    .route('POST', '/api/v1/mp/login', ok({ token: 'tok-1', expiresAt: '2099-01-01T00:00:00.000Z' }))
    .route('POST', '/api/v1/me/consents', ok({}))
    .route('GET', '/api/v1/me/requests', ok({ items: lines }))
    .route('GET', /^\/api\/v1\/me\/requests\/[^/]+$/, ok(view))
    .route('POST', '/api/v1/me/requests', ok({ receiptNumber: 'Y20261110-BBBBBBBB', accessCode: 'ABCDE12345' }, 201))
    .install();
});

async function fill(page: Awaited<ReturnType<typeof open>>) {
  if (page.has('#new-request')) await page.tap('#new-request');
  await page.pick('#agency-picker', 1);
  await page.type('#name-input', '张晓明');
  await page.type('#id-number-input', '11010519491231002X');
  await page.type('#phone-input', '13800138000');
  await page.type('#description-input', '摇号过程记录');
}

describe('依申请公开 pages/request', () => {
  it('lists the resident’s own requests with their deadlines', async () => {
    const page = await open('request');
    expect(page.text('#list')).toContain('Y20261009-7K3M9QXD 办理中 答复期限 2026-11-05（已逾期）');
    expect(page.text('#list')).toContain('已提交，待机关确认收到');
    expect(wx.requestsTo('GET', '/api/v1/me/requests')[0]!.header['Authorization']).toBe('Bearer tok-1');
  });

  it('opens one request from a notice, with its steps and the reply', async () => {
    const page = await open('request', { receipt: 'Y20261009-7K3M9QXD' });
    expect(wx.requestsTo('GET', /me\/requests\//).map((r) => r.path)).toEqual(['/api/v1/me/requests/Y20261009-7K3M9QXD']);
    const text = page.text('#detail');
    expect(text).toContain('申请人：张*明（1101**********002X）');
    expect(text).toContain('2026-10-20 作出答复');
    expect(page.text('#reply')).toContain('予以公开');
    expect(page.text('#reply')).toContain('摇号记录见附件');
  });

  it('asks for consent first, then submits, and shows the receipt and access code', async () => {
    wx.subscribeAnswer = { 'TMPL-A': 'accept', 'TMPL-B': 'accept' };
    const page = await open('request');
    await fill(page);
    const before = wx.events.length;
    await page.tap('#submit');
    expect(wx.events.slice(before)[0]).toBe('wx.requestSubscribeMessage');
    const [sent] = wx.requestsTo('POST', '/api/v1/me/requests');
    expect(sent!.data).toEqual({
      agency: 'bj-haidian-zjw',
      requester: { type: 'natural', name: '张晓明', idType: 'resident-id', idNumber: '11010519491231002X', contact: { phone: '13800138000' } },
      description: '摇号过程记录',
      delivery: 'online',
    });
    expect(page.text('#receipt-number')).toBe('Y20261110-BBBBBBBB');
    expect(page.text('#access-code')).toBe('ABCDE12345');
    expect(page.text('#submitted')).toContain('将通过微信服务通知提醒您');
  });

  it('says which box to fix, before sending and from the API’s 400', async () => {
    const page = await open('request');
    await page.tap('#new-request');
    await page.tap('#submit');
    expect(wx.requestsTo('POST', '/api/v1/me/requests')).toHaveLength(0);
    expect(page.text('#name-error')).toBe('请填写姓名或名称');
    wx.route('POST', '/api/v1/me/requests', apiError(400, 'validation_failed', 'invalid', [{ path: 'requester.idNumber', message: 'not a valid 居民身份证 number' }]));
    await fill(page);
    await page.tap('#submit');
    expect(page.text('#id-number-error')).toBe('请填写正确的证件号码（居民身份证为18位）');
    expect(page.data['submitting']).toBe(false);
  });
});

describe('the 受理机关 picker', () => {
  it('lists the agency directory by name, sends the picked one’s code, and asks for one when none is picked', async () => {
    const page = await open('request');
    await page.tap('#new-request');
    expect(wx.requestsTo('GET', '/api/v1/agencies')).toHaveLength(1);
    expect(page.data['agencyNames']).toEqual(['北京市朝阳区住房和城乡建设委员会', '北京市海淀区住房和城乡建设委员会']);
    expect(page.text('#agency-chosen')).toBe('请选择受理机关 ▾');
    await page.type('#name-input', '张晓明');
    await page.type('#id-number-input', '11010519491231002X');
    await page.type('#phone-input', '13800138000');
    await page.type('#description-input', '摇号过程记录');
    await page.tap('#submit');
    expect(wx.requestsTo('POST', '/api/v1/me/requests')).toHaveLength(0);
    expect(page.text('#agency-error')).toBe('请选择受理机关');
    await page.pick('#agency-picker', 0);
    expect(page.text('#agency-chosen')).toBe('北京市朝阳区住房和城乡建设委员会 ▾');
    expect(page.has('#agency-error')).toBe(false);
    await page.tap('#submit');
    expect(wx.requestsTo('POST', '/api/v1/me/requests')[0]!.data).toMatchObject({ agency: 'bj-chaoyang-zjw' });
  });

  it('offers to load the directory again when it failed', async () => {
    wx.route('GET', '/api/v1/agencies', apiError(503, 'unavailable', 'down'));
    const page = await open('request');
    await page.tap('#new-request');
    expect(page.has('#agency-picker')).toBe(false);
    expect(page.text('#agencies-error')).toContain('服务暂时不可用');
    wx.route('GET', '/api/v1/agencies', ok({ items: agencies }));
    await page.tap('#agencies-retry');
    expect(page.has('#agency-picker')).toBe(true);
    expect(wx.requestsTo('GET', '/api/v1/agencies')).toHaveLength(2);
  });
});

describe('我的订阅 links to the requests', () => {
  it('opens pages/request', async () => {
    wx.route('GET', '/api/v1/catalogue', ok({ fields: [] })).route('GET', '/api/v1/me/subscriptions', ok({ items: [] }));
    const page = await open('mine');
    await page.tap('#go-requests');
    expect(wx.callsOf('navigateTo')[0]).toMatchObject({ url: '/pages/request/request' });
  });
});
