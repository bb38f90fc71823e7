import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { fanOutWorld, grantConsent, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const world = await fanOutWorld('fan_out');
const { db, sandbox, http } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const OA = SANDBOX_APPS.oa.appId;
const MP = SANDBOX_APPS.mp.appId;

async function publish(body: Record<string, unknown>): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(haidian.auth).expect(200);
  return created.body.id;
}

/** Waits until no fan-out of the disclosure is running or queued, then returns its report. */
async function settled(id: string) {
  const report = await waitFor(
    async () => (await http().get(`/api/v1/disclosures/${id}/deliveries`).set(haidian.auth)).body,
    (r: { channels: { outbox: { state: string }[]; counts: { sending: number; queued: number } }[] }) =>
      r.channels.length === 4 && r.channels.every((c) => c.outbox.every((o) => o.state === 'done') && !c.counts.sending && !c.counts.queued),
  );
  return Object.fromEntries((report.channels as unknown as { channel: string }[]).map((c) => [c.channel, c])) as unknown as Record<
    string,
    { counts: Record<string, number>; failures: { code: string; count: number }[] }
  >;
}

// Each test's subscriptions would match the next test's disclosures too.
afterEach(async () => {
  await db.collection('subscriptions').updateMany({}, { $set: { active: false } });
});

const sent = (channel: string, path: string) =>
  sandbox.outbox.list(channel as never).filter((e) => e.path === path) as { body: { touser?: string } & Record<string, unknown> }[];

describe('publishing once reaches every channel', () => {
  it('notifies exactly the matching subscribers, once each, and never leaks a withheld value', async () => {
    const marker = `MARKER${randomUUID().replaceAll('-', '')}`;
    const tag = randomUUID().slice(0, 8);
    const follower = (n: string) => `oa-${tag}-${n}`;
    for (const n of ['region', 'any', 'mine', 'other', 'shanghai', 'twice']) sandbox.wechat.addFollower(OA, follower(n));
    await subscribe(db, 'wechat-oa', follower('region'), { region: '1101' });
    await subscribe(db, 'wechat-oa', follower('any'));
    await subscribe(db, 'wechat-oa', follower('mine'), { applicationNumber: `${tag}-0001` });
    await subscribe(db, 'wechat-oa', follower('other'), { applicationNumber: `${tag}-9999` });
    await subscribe(db, 'wechat-oa', follower('shanghai'), { region: '31' });
    await subscribe(db, 'wechat-oa', follower('twice'), { field: 'housing' });
    await subscribe(db, 'wechat-oa', follower('twice'), { region: '11' });
    const [granted, noGrant] = [`mp-${tag}-granted`, `mp-${tag}-none`];
    sandbox.wechat.addSubscriber(MP, granted);
    sandbox.wechat.grantConsent(MP, granted, SANDBOX_APPS.mp.templateId, 'one-time');
    await grantConsent(db, granted, 'one-time');
    await subscribe(db, 'wechat-mp', granted);
    await subscribe(db, 'wechat-mp', noGrant);

    const id = await publish(
      allocationResult({
        title: `分配结果 ${tag}`,
        content: { ...allocationContent([`${tag}-0001`, `${tag}-0002`]), method: marker },
        withheld: [{ path: 'method', basis: 'commercial-secret' }],
      }),
    );
    const report = await settled(id);

    const oaTo = sent('wechat-oa', '/cgi-bin/message/template/send').map((e) => e.body.touser).filter((t) => t?.includes(tag));
    expect(oaTo.sort()).toEqual([follower('any'), follower('mine'), follower('region'), follower('twice')].sort());
    expect(sent('wechat-mp', '/cgi-bin/message/subscribe/send').map((e) => e.body.touser).filter((t) => t?.includes(tag))).toEqual([granted]);
    expect(report['wechat-mp']!.counts).toMatchObject({ sent: 1, skipped: 1 });
    expect(report['wechat-mp']!.failures).toEqual([{ state: 'skipped', code: 'no-consent', count: 1, reason: expect.any(String) }]);
    expect(sandbox.outbox.list('weibo').filter((e) => JSON.stringify(e.body).includes(id))).toHaveLength(1);
    expect(sandbox.outbox.list('webhook').some((e) => JSON.stringify(e.body).includes(id))).toBe(true);

    const everything = JSON.stringify(sandbox.outbox.list());
    expect(everything).not.toContain(marker);
    const consent = await db.collection('consents').findOne({ openid: granted });
    expect(consent?.remaining).toBe(0);
    const weibo = await db.collection('deliveries').findOne({ disclosureId: id, channel: 'weibo' });
    expect(weibo?.externalId).toMatch(/^\d{16,}$/);
  });
});

describe('what WeChat answers changes the subscriber', () => {
  it('skips and deactivates an openid WeChat does not know (40003), and revokes a refused consent (43101)', async () => {
    const tag = randomUUID().slice(0, 8);
    await subscribe(db, 'wechat-oa', `ghost-${tag}`, { applicationNumber: `${tag}-1` });
    const refused = `mp-refused-${tag}`;
    sandbox.wechat.addSubscriber(MP, refused);
    await grantConsent(db, refused, 'long-term');
    await subscribe(db, 'wechat-mp', refused, { applicationNumber: `${tag}-1` });

    const id = await publish(allocationResult({ content: allocationContent([`${tag}-1`]) }));
    const report = await settled(id);
    expect(report['wechat-oa']!.failures).toContainEqual({ state: 'skipped', code: '40003', count: 1, reason: expect.any(String) });
    expect(report['wechat-mp']!.failures).toContainEqual({ state: 'skipped', code: '43101', count: 1, reason: expect.any(String) });
    expect((await db.collection('subscriptions').findOne({ address: `ghost-${tag}` }))?.active).toBe(false);
    expect((await db.collection('subscribers').findOne({ openid: `ghost-${tag}` }))?.status).toBe('invalid');
    expect((await db.collection('consents').findOne({ openid: refused }))?.revoked).toBe(true);
  });

  it('retries a busy system (-1) with backoff and then delivers', async () => {
    const tag = randomUUID().slice(0, 8);
    sandbox.wechat.addFollower(OA, `busy-${tag}`);
    await subscribe(db, 'wechat-oa', `busy-${tag}`, { applicationNumber: `${tag}-1` });
    sandbox.wechat.faults.inject({ path: '/cgi-bin/message/template/send', errcode: -1, count: 1 });
    const id = await publish(allocationResult({ content: allocationContent([`${tag}-1`]) }));
    const report = await settled(id);
    expect(report['wechat-oa']!.counts).toMatchObject({ sent: 1, failed: 0, retry: 0 });
    const delivery = await db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-oa' });
    expect(delivery).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('marks a delivery failed for a configuration error (40037) and lets the agency retry it', async () => {
    const tag = randomUUID().slice(0, 8);
    sandbox.wechat.addFollower(OA, `cfg-${tag}`);
    await subscribe(db, 'wechat-oa', `cfg-${tag}`, { applicationNumber: `${tag}-1` });
    sandbox.wechat.faults.inject({ path: '/cgi-bin/message/template/send', errcode: 40037, count: 1 });
    const id = await publish(allocationResult({ content: allocationContent([`${tag}-1`]) }));
    let report = await settled(id);
    expect(report['wechat-oa']!.failures).toContainEqual({ state: 'failed', code: '40037', count: 1, reason: expect.any(String) });

    const retry = await http().post(`/api/v1/disclosures/${id}/deliveries/retry`).set(haidian.auth).send({ channel: 'wechat-oa' });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ requeued: 1 });
    await waitFor(() => db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-oa' }), (d) => d?.state === 'sent');
    report = await settled(id);
    expect(report['wechat-oa']!.counts.sent).toBe(1);
    expect(await db.collection('audit').countDocuments({ action: 'delivery.retry', subject: id })).toBe(1);
  });

  it('refuses another agency’s delivery report', async () => {
    const other = await agencyWithKey(db, 'sh-pudong-fgj');
    const id = await publish(allocationResult());
    expect((await http().get(`/api/v1/disclosures/${id}/deliveries`).set(other.auth)).status).toBe(403);
    expect((await http().post(`/api/v1/disclosures/${id}/deliveries/retry`).set(other.auth).send({})).status).toBe(403);
  });
});

describe('metrics', () => {
  it('counts deliveries by channel and state at /metrics', async () => {
    const res = await http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/gongkai_deliveries_total\{channel="wechat-oa",state="sent",mode="live"\} [1-9]/);
    expect(res.text).toContain('gongkai_send_duration_seconds_bucket');
    expect(res.text).toContain('# TYPE gongkai_job_queue_depth gauge');
  });
});
