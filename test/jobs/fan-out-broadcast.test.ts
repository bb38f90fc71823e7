import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { runFanOut } from '../../core/fanout/fan-out.ts';
import { fanOutWorld, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationResult } from '../helpers/registry.ts';

// The sandbox numbers custom tags from 100, as WeChat does; the first one made is 100.
const world = await fanOutWorld('fan_out_mass', { WECHAT_OA_MASS_TAG: '100' });
await world.queue.stop(1_000);
const { db, sandbox, http, deps } = world;
const OA = SANDBOX_APPS.oa.appId;
const tagId = sandbox.wechat.createTag(OA, '住房保障订阅');
const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');

async function broadcast(title: string): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(auth).send({ ...allocationResult({ title }), broadcast: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
  expect((await runFanOut(deps, created.body.id, 'r1~wechat-oa')).state).toBe('done');
  return created.body.id;
}

describe('items marked broadcast', () => {
  it('go to the followers’ tag by one mass send, not one notice per subscriber', async () => {
    expect(tagId).toBe(100);
    for (let i = 0; i < 3; i++) {
      sandbox.wechat.addFollower(OA, `mass-${i}`, { tags: [tagId] });
      await subscribe(db, 'wechat-oa', `mass-${i}`);
    }
    const id = await broadcast('海淀区保障房摇号公告（群发）');
    const mass = sandbox.outbox.list('wechat-oa').filter((e) => e.path === '/cgi-bin/message/mass/sendall');
    expect(mass).toHaveLength(1);
    expect(mass[0]!.body).toMatchObject({ filter: { is_to_all: false, tag_id: 100 }, msgtype: 'text' });
    expect(sandbox.outbox.list('wechat-oa').filter((e) => e.path === '/cgi-bin/message/template/send')).toHaveLength(0);
    const delivery = await db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-oa' });
    expect(delivery).toMatchObject({ recipientId: 'tag-100', state: 'sent' });
  });

  it('are refused clearly once the month’s four mass sends are spent', async () => {
    for (let i = 2; i <= 4; i++) await broadcast(`本月第${i}次群发`);
    const fifth = await broadcast('本月第5次群发');
    const delivery = await db.collection('deliveries').findOne({ disclosureId: fifth, channel: 'wechat-oa' });
    expect(delivery).toMatchObject({ state: 'failed', code: 'mass-budget-spent' });
    expect(delivery?.message).toContain('本月群发次数已用完');
    const report = await http().get(`/api/v1/disclosures/${fifth}/deliveries`).set(auth);
    const oa = report.body.channels.find((c: { channel: string }) => c.channel === 'wechat-oa');
    expect(oa.failures).toEqual([{ state: 'failed', code: 'mass-budget-spent', count: 1, reason: expect.any(String) }]);
  });
});
