import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type HttpServer } from '../../api/server.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { ARTIFACTS, axeProblems, openChromium, type Chromium } from '../helpers/browser.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { ID_A, requestWorld } from '../requests/world.ts';

const w = await requestWorld('request_pages_browser');
await createAgency(w.db, { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会' });
await createAgency(w.db, { code: 'bj-dongcheng-zjw', name: '北京市东城区住房和城乡建设委员会' });

let server: HttpServer;
let base: string;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  server = await listen(w.koa, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
  browser = await openChromium({ bypassCSP: true, viewport: { width: 390, height: 844 } });
  ({ page } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close(1000);
});

async function expectAccessible(name: string) {
  expect(await axeProblems(page), name).toEqual([]);
}

const focused = () => page.evaluate('document.activeElement && document.activeElement.id');

/** Tab until the element with this id has the focus (the keyboard's way there), at most 40 presses. */
async function tabTo(id: string) {
  for (let i = 0; i < 40; i++) {
    if ((await focused()) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}; focus is on #${await focused()}`);
}

describe('the request form in Chromium', () => {
  it('is accessible and submits with the keyboard alone, errors first, then the receipt', async () => {
    await page.goto(`${base}/requests/new`);
    expect(await page.title()).toContain('政府信息公开申请');
    await expectAccessible('form');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-form.png'), fullPage: true });

    await tabTo('f-agency');
    await page.keyboard.press('ArrowDown'); // 北京市东城区… (sorted by code), then the next
    await page.keyboard.press('ArrowDown');
    await tabTo('f-name');
    await page.keyboard.type('张晓明');
    await tabTo('f-idNumber');
    await page.keyboard.type('110105194912310021'); // wrong check digit
    await tabTo('f-phone');
    await page.keyboard.type('13800138000');
    await tabTo('f-description');
    await page.keyboard.type('海淀区2026年第三批公共租赁住房分配的摇号过程记录');
    await tabTo('f-delivery');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.tagName')).toBe('BUTTON');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    expect(await page.locator('#errors').textContent()).toContain('证件号码');
    expect(await page.locator('#f-idNumber').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-idNumber').inputValue()).toBe('');
    expect(await page.locator('#f-name').inputValue()).toBe('张晓明');
    await expectAccessible('form with errors');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-form-errors.png'), fullPage: true });

    await tabTo('f-idNumber');
    await page.keyboard.type(ID_A);
    await tabTo('f-delivery');
    await page.keyboard.press('Tab');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const receipt = await page.locator('.receipt').textContent();
    expect(receipt).toContain('北京市海淀区住房和城乡建设委员会');
    const [, receiptNumber, accessCode] = /受理编号：(Y\d{8}-[0-9A-Z]{8}).*查询码：([0-9A-Z]{10})/s.exec(receipt!)!;
    await expectAccessible('receipt');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-receipt.png'), fullPage: true });

    const stored = await w.services.requests.store.get(receiptNumber!);
    expect(stored).toMatchObject({ agencyCode: 'bj-haidian-zjw', channel: 'web', delivery: 'email' });

    await page.goto(`${base}/requests/status`);
    await expectAccessible('status form');
    await tabTo('f-receipt');
    await page.keyboard.type(receiptNumber!);
    await tabTo('f-code');
    await page.keyboard.type(accessCode!);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const text = (await page.locator('main').textContent())!;
    expect(text).toContain('已提交，待机关确认收到');
    expect(text).toContain('张*明');
    expect(text).toContain('1101**********002X');
    expect(text).not.toContain('13800138000');
    expect(page.url()).not.toContain(accessCode!);
    await expectAccessible('status');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-status.png'), fullPage: true });

    // The agency answers; the requester looks again.
    const staff = await agencyWithKey(w.db, 'bj-haidian-zjw', 'publisher');
    for (const [step, body] of [
      ['receive', {}],
      ['extend', { days: 10, approver: '王主任', reason: '需调阅档案' }],
      ['reply', { decision: 'partly-disclosed', text: '现将可以公开的部分提供给您。', information: '摇号过程公证书（见附件）', withheldReason: '含其他申请人的个人信息', attachments: [{ name: '摇号过程公证书.pdf', url: 'https://www.bjhd.gov.cn/files/1.pdf' }] }],
    ] as const) {
      const res = await w.http().post(`/api/v1/agency/requests/${receiptNumber}/${step}`).set(staff.auth).send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    await page.goto(`${base}/requests/status`);
    await tabTo('f-receipt');
    await page.keyboard.type(receiptNumber!);
    await tabTo('f-code');
    await page.keyboard.type(accessCode!);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const answered = (await page.locator('main').textContent())!;
    expect(answered).toContain('已答复');
    expect(answered).toContain('延长10个工作日，理由：需调阅档案');
    expect(answered).toContain('部分公开');
    expect(answered).toContain('含其他申请人的个人信息');
    expect(answered).not.toContain('王主任');
    await expectAccessible('answered status');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-status-answered.png'), fullPage: true });

    const wrong = await page.request.post(`${base}/requests/status`, { form: { receipt: receiptNumber!, code: 'AAAAAAAAAA' } });
    expect(wrong.status()).toBe(404);
    expect(await wrong.text()).not.toContain('张*明');
  });
});

describe('without a data key', () => {
  it('says the form is closed instead of storing anything unsealed', async () => {
    const { createServices } = await import('../../core/services.ts');
    const { createApp } = await import('../../api/app.ts');
    const { captureLogs } = await import('../helpers/logs.ts');
    const { testReadModel } = await import('../helpers/read-model.ts');
    const request = (await import('supertest')).default;
    const { logger } = captureLogs();
    const services = createServices(w.db, { readModel: testReadModel(), logger });
    const app = createApp({ logger, db: w.db, queue: { processing: true, takesJobs: true }, services, bodyLimit: '1mb', publicRateLimit: 100_000 }).callback();
    const before = await w.db.collection('info_requests').countDocuments();
    const res = await request(app)
      .post('/requests/new')
      .type('form')
      .send({ agency: 'bj-haidian-zjw', type: 'natural', name: '张晓明', idType: 'resident-id', idNumber: ID_A, phone: '13800138000', description: '摇号记录', delivery: 'email' });
    expect(res.status).toBe(503);
    expect(res.text).toContain('暂不能在线提交申请');
    expect(await w.db.collection('info_requests').countDocuments()).toBe(before);
  });
});
