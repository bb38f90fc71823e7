// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakeWx, ok, sequence } from './helpers/fake-wx.ts';
import { catalogue, correctedDisclosure, disclosure, withdrawnDisclosure } from './helpers/fixtures.ts';
import { open } from './helpers/pages.ts';

let wx: FakeWx;

beforeEach(() => {
  wx = new FakeWx().route('GET', '/api/v1/catalogue', ok(catalogue)).install();
});

describe('详情 pages/detail', () => {
  it('shows the disclosure with content rows labelled from the catalogue', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', ok(disclosure));
    const page = await open('detail', { id: 'd1' });

    expect(page.data['state']).toBe('ready');
    expect(page.text('#title')).toBe('公租房分配结果公示（第 1 批）');
    const text = page.text();
    expect(text).toContain('发布机关：朝阳区住房和城乡建设委员会');
    expect(text).toContain('类别：住房保障 · 分配结果');
    expect(text).toContain('形成日期：2026-03-01');
    expect(text).toContain('发布时间：2026-03-02 09:30');
    expect(page.text('#status')).toBe('已发布');

    const content = page.text('#content');
    expect(content).toContain('项目名称 朝阳区某公租房项目');
    expect(content).toContain('摇号或排序日期 2026-02-20');
    expect(content).toContain('分配结果 共 2 项');
    expect(content).toContain('申请编号：HD2026-0001');
    expect(content).toContain('结果：已分配'); // enum value named from the schema's description
    expect(content).toContain('结果：轮候');
    expect(page.has('#withdrawn')).toBe(false);
    expect(page.has('#revisions')).toBe(false);
  });

  it('shows a withheld value as a notice, not as an ordinary value', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', ok(disclosure));
    const page = await open('detail', { id: 'd1' });

    const notices = page.all('.withheld');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.dom!.textContent).toBe('依法不予公开（商业秘密）');
    const row = page.data['rows'].find((r: { key: string }) => r.key === 'developer');
    expect(row).toMatchObject({ label: '建设单位', notice: true, text: '依法不予公开（商业秘密）' });
  });

  it('falls back to the content keys when the catalogue cannot be read', async () => {
    wx.route('GET', '/api/v1/catalogue', apiError(503, 'unavailable'));
    wx.route('GET', '/api/v1/disclosures/d1', ok(disclosure));
    const page = await open('detail', { id: 'd1' });

    expect(page.data['state']).toBe('ready');
    expect(page.text('#content')).toContain('projectName 朝阳区某公租房项目');
  });

  it('shows a withdrawn disclosure with a prominent banner and the reason', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', ok(withdrawnDisclosure));
    const page = await open('detail', { id: 'd1' });

    const banner = page.text('#withdrawn');
    expect(banner).toContain('本信息已撤回');
    expect(banner).toContain('撤回原因：项目信息有误，待核实后重新发布');
    expect(banner).toContain('撤回时间：2026-03-10 16:00');
    expect(page.text('#status')).toBe('已撤回');
  });

  it('shows 已更正 with the revision list and change notes, latest content first', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', ok(correctedDisclosure));
    const page = await open('detail', { id: 'd1' });

    expect(page.text('#status')).toBe('已更正');
    expect(page.text('#corrected')).toContain('已更正');
    expect(page.text('#title')).toBe('公租房分配结果公示（第 1 批，更正）');
    expect(page.text('#content')).toContain('摇号或排序日期 2026-02-21');
    const revisions = page.all('.revision').map((r) => page.text(r));
    expect(revisions).toHaveLength(2);
    expect(revisions[0]).toContain('第 2 版（当前）');
    expect(revisions[0]).toContain('更正说明：摇号日期更正为 2026-02-21');
    expect(revisions[1]).toContain('第 1 版');
  });

  it('takes the last revision when the answer has no `current`', async () => {
    const { current: _current, ...withoutCurrent } = correctedDisclosure;
    wx.route('GET', '/api/v1/disclosures/d1', ok(withoutCurrent));
    const page = await open('detail', { id: 'd1' });

    expect(page.text('#content')).toContain('摇号或排序日期 2026-02-21');
  });

  it('lists attachments and copies a link with wx.setClipboardData', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', ok(disclosure));
    const page = await open('detail', { id: 'd1' });

    expect(page.text('#attachments')).toContain('分配结果名单.pdf');
    await page.tap('.btn-copy');

    expect(wx.callsOf('setClipboardData')).toEqual([expect.objectContaining({ data: 'https://files.example.gov.cn/a.pdf' })]);
    expect(wx.callsOf('showToast')[0]).toMatchObject({ title: '链接已复制，可在浏览器中打开' });
  });

  it('shows 未找到 for an unknown id, and 重试 loads again', async () => {
    wx.route('GET', '/api/v1/disclosures/d1', sequence(apiError(404, 'not_found'), ok(disclosure)));
    const page = await open('detail', { id: 'd1' });

    expect(page.text('#error')).toContain('未找到相关信息');
    await page.tap('#retry');

    expect(page.data['state']).toBe('ready');
    expect(wx.requestsTo('GET', '/api/v1/disclosures/d1')).toHaveLength(2);
  });
});
