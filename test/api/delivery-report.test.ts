import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { fanOutWorld, grantConsent, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

// WeChat and Weibo live against the sandbox server; webhooks through the sandbox account, so counted apart.
const world = await fanOutWorld('delivery_report', { WEBHOOK_MODE: 'sandbox' }, { app: { miniProgramPage: 'pages/detail/detail' } });
const { db, sandbox, http } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const chaoyang = await agencyWithKey(db, 'bj-chaoyang-zjw');
const OA = SANDBOX_APPS.oa.appId;
const MP = SANDBOX_APPS.mp.appId;

type Failure = { state: string; code: string; count: number; reason: string; mode?: string };
type Row = { channel: string; counts: Record<string, number>; sandbox?: Record<string, number>; failures: Failure[]; outbox: { state: string }[] };
const pending = (c?: Record<string, number>) => Boolean(c && (c.queued || c.sending || c.retry));

async function settled(id: string): Promise<Record<string, Row>> {
  const report = await waitFor(
    async () => (await http().get(`/api/v1/disclosures/${id}/deliveries`).set(haidian.auth)).body as { channels: Row[] },
    (r) => r.channels.length === 4 && r.channels.every((c) => c.outbox.every((o) => o.state === 'done') && !pending(c.counts) && !pending(c.sandbox)),
  );
  return Object.fromEntries(report.channels.map((c) => [c.channel, c]));
}

describe('the delivery report and the public links of a disclosure', () => {
  it('groups what did not go through by vendor code with its Chinese reason, and links the Weibo post once sent', async () => {
    sandbox.wechat.addFollower(OA, 'oa-reader');
    sandbox.wechat.addFollower(OA, 'oa-left');
    sandbox.wechat.unfollow(OA, 'oa-left');
    await subscribe(db, 'wechat-oa', 'oa-reader');
    await subscribe(db, 'wechat-oa', 'oa-left');
    // Consent recorded here, but the resident refused it in WeChat: 43101.
    sandbox.wechat.addSubscriber(MP, 'mp-refused');
    await grantConsent(db, 'mp-refused', 'long-term');
    await subscribe(db, 'wechat-mp', 'mp-refused');
    sandbox.weibo.fault({ path: '/2/statuses/share.json', errorCode: 21332, count: 1 });

    const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult()).expect(201);
    const id = created.body.id as string;
    const draftLinks = await http().get(`/api/v1/agency/disclosures/${id}/public-links`).set(haidian.auth).expect(200);
    expect(draftLinks.body).toMatchObject({ public: false, weibo: [] });
    await http().post(`/api/v1/disclosures/${id}/publish`).set(haidian.auth).expect(200);

    const report = await settled(id);
    expect(report['wechat-oa']).toMatchObject({ counts: { sent: 1, skipped: 1 } });
    expect(report['wechat-oa']!.failures).toEqual([{ state: 'skipped', code: '43004', count: 1, reason: '未关注：用户已取消关注公众号，已停止向其推送' }]);
    expect(report['wechat-mp']!.failures).toEqual([{ state: 'skipped', code: '43101', count: 1, reason: '用户拒收：未订阅或已拒绝接收该订阅消息' }]);
    expect(report.weibo!.failures).toEqual([{ state: 'failed', code: '21332', count: 1, reason: '微博访问令牌无效，需重新授权微博账号' }]);
    // Sandbox sends are counted apart and never as delivered to the public.
    expect(report.webhook!.counts.sent).toBe(0);
    expect(report.webhook!.sandbox).toMatchObject({ sent: 1 });

    const links = (await http().get(`/api/v1/agency/disclosures/${id}/public-links`).set(haidian.auth).expect(200)).body;
    expect(links).toEqual({
      disclosureId: id,
      public: true,
      website: `${BASE_URL}/disclosures/${id}`,
      miniProgramPage: `pages/detail/detail?id=${id}`,
      weibo: [],
      feeds: {
        rss: `${BASE_URL}/feeds/rss.xml?agency=bj-haidian-zjw`,
        atom: `${BASE_URL}/feeds/atom.xml?agency=bj-haidian-zjw`,
        json: `${BASE_URL}/feeds/feed.json?agency=bj-haidian-zjw`,
      },
    });
    // The feed named is a real one, and it carries the item.
    const feed = await http().get('/feeds/rss.xml?agency=bj-haidian-zjw').expect(200);
    expect(feed.text).toContain(`/disclosures/${id}`);

    const retry = await http().post(`/api/v1/disclosures/${id}/deliveries/retry`).set(haidian.auth).send({ channel: 'weibo' }).expect(202);
    expect(retry.body).toEqual({ requeued: 1 });
    const after = await settled(id);
    expect(after.weibo).toMatchObject({ counts: { sent: 1, failed: 0 }, failures: [] });
    const posted = sandbox.weibo.statuses().find((s) => s.text.includes(id));
    expect(posted).toBeDefined();
    const linked = (await http().get(`/api/v1/agency/disclosures/${id}/public-links`).set(haidian.auth).expect(200)).body;
    expect(linked.weibo).toEqual([{ change: 'r1', statusId: posted!.idstr, mode: 'live', url: `https://m.weibo.cn/detail/${posted!.idstr}` }]);
  });

  it('keeps both to the disclosure’s agency', async () => {
    const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ title: '另一机关不可见的事项' })).expect(201);
    for (const url of [(i: string) => `/api/v1/disclosures/${i}/deliveries`, (i: string) => `/api/v1/agency/disclosures/${i}/public-links`]) {
      await http().get(url(created.body.id)).set(chaoyang.auth).expect(403);
      await http().get(url(created.body.id)).expect(401);
      await http().get(url('0123456789abcdef01234567')).set(haidian.auth).expect(404);
      const bad = await http().get(url('not-an-id')).set(haidian.auth).expect(400);
      expect(bad.body.error.fields).toContainEqual(expect.objectContaining({ path: 'id' }));
    }
  });
});
