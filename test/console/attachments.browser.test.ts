import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../core/embedded/ferretdb-process.ts';
import { ARTIFACTS, axeProblems } from '../helpers/browser.ts';
import { pdfOf } from '../helpers/sample-files.ts';
import { pickOption, startConsoleBrowser, stopConsoleBrowser, twoWidths, type ConsoleBrowser } from './console-page.ts';
import { staffWorld } from './staff-world.ts';

// The public base URL is the server's own address, so the links the upload answers really open.
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const w = await staffWorld('attachments_browser', { publicBaseUrl: base });
const publisher = await w.account('hd-attacher', 'bj-haidian-zjw', 'publisher');

const TITLE = '海淀区2026年第六批公共租赁住房分配结果公示（附名单）';
const NAME = '2026年第六批公租房分配结果名单.pdf';
const PDF = pdfOf('Allocation results, batch 6', 1_500_000);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let ui: ConsoleBrowser;
let page: Page;
let files: string;

beforeAll(async () => {
  ui = await startConsoleBrowser(w.app, { clock: w.clock.now, port });
  page = ui.page;
  files = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-attachments-'));
  await fs.writeFile(path.join(files, NAME), PDF);
  await fs.writeFile(path.join(files, '会议纪要.pdf'), Buffer.from('这不是 PDF，只是改了扩展名的文本'));
  await fs.writeFile(path.join(files, '现场照片说明.pdf'), pdfOf('Photos'));
});

afterAll(async () => {
  await stopConsoleBrowser(ui);
  if (files) await fs.rm(files, { recursive: true, force: true });
});

const screenshots = (name: string) => twoWidths(page, `console-${name}`);
const pick = (select: string, option: string) => pickOption(page, select, option);

describe('attachments in the console’s publish form, in Chromium', () => {
  let fileUrl = '';

  it('a publisher attaches files: uploaded through the API, listed with name and size, a wrong one refused, one removed by keyboard', async () => {
    await page.goto(`${base}/console/sign-in`);
    await page.fill('#username', publisher.username);
    await page.fill('#password', publisher.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/items`);

    await page.click('nav >> text=发布事项');
    await page.waitForSelector('h1:has-text("发布事项")');
    await pick('.pick-field', '住房保障');
    await pick('.pick-type', '分配结果');
    await page.waitForSelector('#title');
    await page.fill('#title', TITLE);
    await page.fill('#region', '110108');
    await page.fill('#formedAt', '2026-10-08');
    await page.keyboard.press('Enter');
    await page.fill('#f-content-projectName', '永丰家园公共租赁住房');
    await page.fill('#f-content-drawDate', '2026-10-07');
    await page.keyboard.press('Enter');
    await page.fill('#f-content-results-0-applicationNumber', 'HD2026-0601');
    await page.fill('#f-content-results-0-householdName', '张*明');
    await pick('[data-path="content.results.0.outcome"] .el-select', '已分配');

    // The file input is the browser's own, labelled and reachable by Tab.
    expect(await page.getAttribute('label[for="attachment-file"]', 'for')).toBe('attachment-file');
    await page.focus('#f-content-results-0-householdName');
    for (let i = 0; i < 40 && (await page.evaluate('document.activeElement?.id')) !== 'attachment-file'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('attachment-file');
    // Focus on the (visually hidden) input shows on the Chinese 选择文件 button beside it.
    expect(await page.evaluate("getComputedStyle(document.querySelector('#attachment-file + .file-button')).outlineStyle")).toBe('solid');

    await page.setInputFiles('#attachment-file', path.join(files, NAME));
    await page.waitForSelector(`.attachment-list li:has-text("${NAME}")`);
    expect(await page.textContent('.attachment-list li')).toContain('1.4 MB');
    expect(await page.textContent('.upload-status')).toContain('已上传 1 个附件');
    fileUrl = (await page.getAttribute('.attachment-list a', 'href'))!;
    expect(fileUrl).toBe(`${base}/attachments/${sha(PDF)}/${encodeURIComponent(NAME)}`);
    // Not public before the item is: a stranger (no cookie) gets 404.
    expect((await fetch(fileUrl)).status).toBe(404);

    await page.setInputFiles('#attachment-file', [path.join(files, '会议纪要.pdf'), path.join(files, '现场照片说明.pdf')]);
    await page.waitForSelector('.attachment-list li:has-text("现场照片说明.pdf")');
    const alert = (await page.textContent('.upload-problems'))!;
    expect(alert).toContain('会议纪要.pdf');
    expect(alert).toContain('不支持此类文件');
    expect(await page.$$eval('.attachment-list li', (lis) => lis.length)).toBe(2);
    expect(await axeProblems(page, { allRules: true })).toEqual([]);
    await page.locator('#attachments-heading').scrollIntoViewIfNeeded();
    await screenshots('attachments');

    await page.focus('button[aria-label="移除附件 现场照片说明.pdf"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction("document.querySelectorAll('.attachment-list li').length === 1");
    expect(await page.textContent('.upload-status')).toContain('已移除附件 现场照片说明.pdf');
    expect(await page.evaluate('document.activeElement?.id')).toBe('attachment-file');
  });

  it('submits: the item carries the attachment, the public page links to it and the download is the same bytes', async () => {
    await page.click('button.submit');
    await page.waitForURL(/\/console\/items/);
    const stored = await w.db.collection('disclosures').findOne({ title: TITLE });
    expect(stored?.status).toBe('published');
    expect(stored?.revisions[0].attachments).toEqual([{ name: NAME, url: fileUrl, sha256: sha(PDF) }]);

    await page.goto(`${base}/disclosures/${stored!._id.toHexString()}`);
    const link = page.locator('section[aria-labelledby="attachments"] a');
    expect(await link.textContent()).toBe(NAME);
    expect(await link.getAttribute('href')).toBe(fileUrl);
    await page.locator('section[aria-labelledby="attachments"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'site-disclosure-attachment.png') });

    // Clicking the link downloads the file (Content-Disposition: attachment), byte for byte.
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(NAME);
    const saved = await fs.readFile((await download.path())!);
    expect(sha(saved)).toBe(sha(PDF));

    // And anyone may download it now, without a session.
    const res = await fetch(fileUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), PDF)).toBe(0);
  });

  it('a correction keeps the published attachments and adds one; the public page shows both', async () => {
    const item = await w.db.collection('disclosures').findOne({ title: TITLE });
    const id = item!._id.toHexString();
    await page.goto(`${base}/console/items/${id}`);
    await page.click('button:has-text("更正此事项")');
    await page.waitForSelector(`.change-item .attachment-list li:has-text("${NAME}")`);
    await page.setInputFiles('#correct-attachment-file', path.join(files, '现场照片说明.pdf'));
    await page.waitForSelector('.change-item .attachment-list li:has-text("现场照片说明.pdf")');
    await page.waitForSelector('.correction-diff .el-table__row:has-text("附件")');
    expect(await page.textContent('.correction-diff .el-table__row:has-text("附件")')).toContain(`${NAME}、现场照片说明.pdf`);
    await page.fill('#correct-note', '补充现场照片说明');
    expect(await axeProblems(page, { allRules: true })).toEqual([]);
    await page.locator('.change-item .attachment-list').scrollIntoViewIfNeeded();
    await screenshots('attachments-correct');
    await page.click('button.submit-correction');
    await page.waitForSelector('text=更正已公开');

    await page.goto(`${base}/disclosures/${id}`);
    const names = await page.locator('section[aria-labelledby="attachments"] a').allTextContents();
    expect(names).toEqual([NAME, '现场照片说明.pdf']);
    const added = await page.locator('section[aria-labelledby="attachments"] a', { hasText: '现场照片说明.pdf' }).getAttribute('href');
    const res = await fetch(added!);
    expect(res.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), await fs.readFile(path.join(files, '现场照片说明.pdf')))).toBe(0);
  });

  it('a link field of the content (分配政策’s 附件) is filled by uploading the file, its row named after it', async () => {
    await page.goto(`${base}/console/publish`);
    await page.waitForSelector('h1:has-text("发布事项")');
    await pick('.pick-field', '住房保障');
    await pick('.pick-type', '分配政策');
    await page.waitForSelector('#f-content-attachments-0-url');
    expect(await page.getAttribute('#f-content-attachments-0-url-file', 'aria-label')).toBe('上传文件作为链接（第1行）');
    await page.setInputFiles('#f-content-attachments-0-url-file', path.join(files, '现场照片说明.pdf'));
    await page.waitForFunction("document.querySelector('#f-content-attachments-0-url').value.includes('/attachments/')");
    const url = await page.inputValue('#f-content-attachments-0-url');
    expect(url).toBe(`${base}/attachments/${sha(await fs.readFile(path.join(files, '现场照片说明.pdf')))}/${encodeURIComponent('现场照片说明.pdf')}`);
    expect(await page.inputValue('#f-content-attachments-0-title')).toBe('现场照片说明.pdf');
    await page.setInputFiles('#f-content-attachments-0-url-file', path.join(files, '会议纪要.pdf'));
    await page.waitForSelector('[data-path="content.attachments.0.url"] .field-error');
    expect(await page.textContent('[data-path="content.attachments.0.url"] .field-error')).toContain('不支持此类文件');
    expect(await page.inputValue('#f-content-attachments-0-url')).toBe(url);
    expect(await axeProblems(page, { allRules: true })).toEqual([]);
    await page.locator('[data-path="content.attachments"]').scrollIntoViewIfNeeded();
    await screenshots('attachments-content-link');
    expect(ui.pageErrors).toEqual([]);
    expect(ui.browser.cspViolations).toEqual([]);
  });
});
