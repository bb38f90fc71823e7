import { describe, expect, it } from 'vitest';
import { buildMessage } from '../../core/fanout/message.ts';
import { buildStatusText } from '../../channels/weibo/status-text.ts';
import { mpTemplateData, oaTemplateData } from '../../channels/wechat/template-data.ts';
import { templateData } from '../../channels/wechat/template-mapping.ts';
import { previewChannels } from '../../core/fanout/preview.ts';
import { allocationContent, allocationResult } from '../helpers/registry.ts';
import { staffWorld } from './staff-world.ts';

const w = await staffWorld('channel_preview');
const { http } = w;
const SECRET = '内部议定的分配办法甲乙丙';
const LONG = '海淀区2026年第三批公共租赁住房（永丰家园、西北旺、上庄三个项目）分配结果公示';

const created = await http()
  .post('/api/v1/disclosures')
  .set(w.haidianKey.auth)
  .send(allocationResult({ title: LONG, content: { ...allocationContent(['HD2026-0001', 'HD2026-0002', 'HD2026-0003']), method: SECRET }, withheld: [{ path: 'method', basis: 'privacy' }] }));
const id = created.body.id as string;

describe('POST /api/v1/disclosures/:id/preview', () => {
  it('gives each channel’s payload for a draft, made by the sending code, the withheld value only as its notice', async () => {
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await http().post(`/api/v1/disclosures/${id}/preview`).set(w.haidianKey.auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { channels, message } = res.body;
    expect(Object.keys(channels).sort()).toEqual(['rss', 'webhook', 'wechat-mp', 'wechat-oa', 'weibo']);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(channels.webhook.payload.disclosure.current.content.method).toBe('依法不予公开（个人隐私）');
    expect(channels.rss.item).toMatch(/^<item>[\s\S]*<\/item>$/);
    expect(channels.weibo.length).toBeLessThanOrEqual(140);
    expect(channels.weibo.limit).toBe(140);
    expect(channels['wechat-oa'].fields.find((f: { key: string }) => f.key === 'thing1')).toMatchObject({ label: '标题', limit: 20, truncated: true });
    expect(message.kind).toBe('publish');

    // The same functions, on the item once published, give the same texts.
    await http().post(`/api/v1/disclosures/${id}/publish`).set(w.haidianKey.auth).expect(200);
    const doc = await w.services.store.get(id);
    const sent = buildMessage(doc!, 'r1', { baseUrl: 'https://gongkai.test.gov.cn' });
    expect(channels.weibo.text).toBe(buildStatusText(sent));
    expect(channels['wechat-oa'].data.thing1).toEqual(oaTemplateData(sent).thing1);
  });

  it('uses the accounts’ configured template mappings, as the channels do', async () => {
    const mapping = { thing5: 'title', thing7: 'agency', time2: 'date' } as const;
    const doc = await w.services.store.get(id);
    const preview = previewChannels(doc!, { baseUrl: 'https://gongkai.test.gov.cn' }, w.clock.now, { oa: mapping });
    const sent = buildMessage(doc!, 'r1', { baseUrl: 'https://gongkai.test.gov.cn' });
    expect(preview.channels['wechat-oa'].data).toEqual(templateData(mapping, sent));
    expect(preview.channels['wechat-oa'].fields.map((f) => `${f.key} ${f.label}`)).toEqual(['thing5 标题', 'thing7 发布机关', 'time2 发布时间']);
    expect(preview.channels['wechat-mp'].data).toEqual(mpTemplateData(sent));
  });

  it('refuses another agency’s item and a reader without a publishing role', async () => {
    expect((await http().post(`/api/v1/disclosures/${id}/preview`).set(w.chaoyangKey.auth)).status).toBe(403);
    const press = await w.account('hd-press-preview', 'bj-haidian-zjw', 'press');
    const session = await http().post('/api/v1/staff/sign-in').send({ username: press.username, password: press.password });
    const cookie = String(session.headers['set-cookie']?.[0]).split(';')[0]!;
    const res = await http().post(`/api/v1/disclosures/${id}/preview`).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken);
    expect(res.status).toBe(403);
  });
});
