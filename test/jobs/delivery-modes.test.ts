import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { fanOutWorld, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

// Weibo in sandbox mode, the other accounts live (against the sandbox server, standing in for the platforms).
const world = await fanOutWorld('delivery_modes', { WEIBO_MODE: 'sandbox', WEBHOOK_MODE: 'off' });
const { db, http } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');

type Row = { channel: string; counts: Record<string, number>; sandbox?: Record<string, number>; outbox: { state: string }[] };

describe('every delivery record carries its account mode', () => {
  it('records Weibo sandbox sends as sandbox and never counts them as delivered', async () => {
    const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult()).expect(201);
    const id = created.body.id as string;
    await http().post(`/api/v1/disclosures/${id}/publish`).set(haidian.auth).expect(200);
    const report = await waitFor(
      async () => (await http().get(`/api/v1/disclosures/${id}/deliveries`).set(haidian.auth)).body as { channels: Row[] },
      (r) => r.channels.some((c) => c.channel === 'weibo' && c.outbox.length > 0 && c.outbox.every((o) => o.state === 'done')),
    );
    const weibo = report.channels.find((c) => c.channel === 'weibo')!;
    expect(weibo.counts.sent).toBe(0);
    expect(weibo.sandbox).toMatchObject({ sent: 1 });
    // The record says so, in the database.
    const record = await db.collection('deliveries').findOne({ disclosureId: id, channel: 'weibo' });
    expect(record).toMatchObject({ state: 'sent', mode: 'sandbox' });
    // Webhooks are off: no channel, no outbox, no record.
    expect(report.channels.find((c) => c.channel === 'webhook')).toBeUndefined();
    expect(await db.collection('deliveries').countDocuments({ disclosureId: id, channel: 'webhook' })).toBe(0);
    // The metrics say which mode a send went through.
    const metrics = await world.metrics.registry.metrics();
    expect(metrics).toMatch(/gongkai_deliveries_total\{channel="weibo",state="sent",mode="sandbox"\} 1/);
  });

  it('sets miniprogram on OA template messages only when the mini-program is in the OA’s mode', async () => {
    // The OA live, the mini-program in the sandbox: a live notice must not open the sandbox's app.
    const mixed = await fanOutWorld('delivery_modes_mp', { WECHAT_MP_MODE: 'sandbox', WEIBO_MODE: 'off', WEBHOOK_MODE: 'off' });
    const agency = await agencyWithKey(mixed.db, 'bj-haidian-zjw');
    for (const [w, auth, openid] of [
      [mixed, agency.auth, 'oa-mixed'],
      [world, haidian.auth, 'oa-same'],
    ] as const) {
      w.sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, openid);
      await subscribe(w.db, 'wechat-oa', openid);
      const created = await w.http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title: `小程序链接测试${openid}` })).expect(201);
      await w.http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
    }
    const sentTo = (w: typeof world, openid: string) =>
      waitFor(
        async () => w.sandbox.outbox.list('wechat-oa').find((e) => e.path === '/cgi-bin/message/template/send' && (e.body as { touser?: string }).touser === openid),
        Boolean,
      );
    expect((await sentTo(mixed, 'oa-mixed'))!.body).not.toHaveProperty('miniprogram');
    // Both live (this file's first world): the bound mini-program opens the item.
    expect((await sentTo(world, 'oa-same'))!.body).toMatchObject({ miniprogram: { appid: SANDBOX_APPS.mp.appId } });
  });
});
