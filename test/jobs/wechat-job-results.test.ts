import { randomUUID } from 'node:crypto';
import nodeHttp from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { loadConfig } from '../../core/config.ts';
import { runFanOut } from '../../core/fanout/fan-out.ts';
import type { FanOutDeps } from '../../core/fanout/deps.ts';
import { fanOutDeps } from '../../core/fanout/wiring.ts';
import { consentCollection, consentId } from '../../core/models/consent.model.ts';
import { applyPendingTemplateResults } from '../../core/wechat-callback/maintenance.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { pendingTemplateResults, unmatchedTemplateResults } from '../../core/wechat-callback/store.ts';
import { createMassBudget } from '../../core/wechat-state/mass-budget.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { fanOutWorld, grantConsent, OA_CALLBACK_TOKEN, sandboxEnv, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const MP_TOKEN = 'mpcallbacktoken';
const OA = SANDBOX_APPS.oa.appId;
const MP = SANDBOX_APPS.mp.appId;
const MP_TEMPLATE = SANDBOX_APPS.mp.templateId;
const SUBSCRIBE = '/cgi-bin/message/subscribe/send';

// Fan-outs are driven by hand (runFanOut), so that two "processes" can be made to race.
const world = await fanOutWorld(
  'wechat_job_results',
  { WECHAT_OA_MASS_TAG: '100', WECHAT_MP_TEMPLATE_KIND: 'long-term' },
  { app: { wechatMpCallback: { appId: MP, token: MP_TOKEN } } },
);
await world.queue.stop(1_000);
const { db, sandbox, http, deps } = world;
const tagId = sandbox.wechat.createTag(OA, '公开订阅');
// The 政务 mini-program's template is of the long-term library.
sandbox.wechat.registerTemplate(MP, MP_TEMPLATE, ['thing1', 'thing2', 'time3', 'thing4'], undefined, 'long-term');

// gongkai on a real port: the sandbox posts its pushes to /wechat/oa and /wechat/mp, signed.
const server = nodeHttp.createServer(world.app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const gongkai = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
sandbox.wechat.setCallback(OA, { url: `${gongkai}/wechat/oa`, token: OA_CALLBACK_TOKEN });
sandbox.wechat.setCallback(MP, { url: `${gongkai}/wechat/mp`, token: MP_TOKEN });
const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');

async function publish(applicationNumber: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(auth).send({ ...allocationResult({ content: allocationContent([applicationNumber]) }), ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
  return created.body.id as string;
}

/** Runs one fan-out to the end, waiting out its retry backoff as the job queue would. */
async function drive(worker: FanOutDeps, id: string, key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const result = await runFanOut(worker, id, key);
    if (result.state === 'done') return;
    const wait = result.runAt ? Math.max(20, result.runAt.getTime() - Date.now() + 20) : 50;
    await sleep(Math.min(wait, 5_000));
  }
  throw new Error(`fan-out ${id} ${key} did not finish`);
}

const delivery = (id: string, channel: string, recipient: string) => db.collection('deliveries').findOne({ _id: `${id}:r1|${channel}|${recipient}` as never });

describe('a mini-program user switches a long-term subscription off', () => {
  it('subscribe_msg_change_event revokes the consent, and the next item is not sent to them', async () => {
    const tag = randomUUID().slice(0, 8);
    const user = `mp-off-${tag}`;
    sandbox.wechat.addSubscriber(MP, user);
    sandbox.wechat.grantConsent(MP, user, MP_TEMPLATE, 'long-term');
    await grantConsent(db, user, 'long-term');
    await subscribe(db, 'wechat-mp', user, { applicationNumber: `${tag}-1` });
    const first = await publish(`${tag}-1`);
    await drive(deps, first, 'r1~wechat-mp');
    expect(await delivery(first, 'wechat-mp', user)).toMatchObject({ state: 'sent' });

    // In 服务通知 the user switches it off: WeChat (the sandbox admin route, as curl would) pushes the event.
    const res = await fetch(`${sandbox.url}/sandbox/admin/wechat/consents/switch-off`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: MP, openid: user, templateId: MP_TEMPLATE }),
    });
    expect(((await res.json()) as { push: unknown }).push).toMatchObject({ event: 'subscribe_msg_change_event', status: 200, body: 'success' });
    expect(await consentCollection(db).findOne({ _id: consentId(MP, user, MP_TEMPLATE) })).toMatchObject({ revoked: true, kind: 'long-term' });

    const sendsBefore = sandbox.outbox.list('wechat-mp').filter((e) => e.path === SUBSCRIBE && (e.body as { touser?: string }).touser === user).length;
    const second = await publish(`${tag}-1`);
    await drive(deps, second, 'r1~wechat-mp');
    expect(await delivery(second, 'wechat-mp', user)).toMatchObject({ state: 'skipped', code: 'no-consent' });
    expect(sandbox.outbox.list('wechat-mp').filter((e) => e.path === SUBSCRIBE && (e.body as { touser?: string }).touser === user)).toHaveLength(sendsBefore);
  });

  it('refuses an unsigned or wrongly signed push, and takes JSON pushes too', async () => {
    const user = `mp-json-${randomUUID().slice(0, 8)}`;
    await grantConsent(db, user, 'long-term');
    const forged = signPush({ token: 'not-the-token', appId: MP }, pushXml({ ToUserName: 'gh_mp', FromUserName: user, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'subscribe_msg_change_event' }), { now: new Date() });
    const refused = await request(world.app.callback()).post('/wechat/mp').query(forged.query).set('Content-Type', 'text/xml').send(forged.body);
    expect(refused.status).toBe(401);
    expect((await request(world.app.callback()).post('/wechat/mp').set('Content-Type', 'text/xml').send('<xml></xml>')).status).toBe(401);

    sandbox.wechat.setCallback(MP, { url: `${gongkai}/wechat/mp`, token: MP_TOKEN, format: 'json' });
    try {
      const push = await sandbox.wechat.switchOffConsent(MP, user, MP_TEMPLATE);
      expect(push).toMatchObject({ status: 200, body: 'success' });
    } finally {
      sandbox.wechat.setCallback(MP, { url: `${gongkai}/wechat/mp`, token: MP_TOKEN });
    }
    expect(await consentCollection(db).findOne({ _id: consentId(MP, user, MP_TEMPLATE) })).toMatchObject({ revoked: true });
  });
});

describe('43108 across processes', () => {
  it('two workers with their own channels send to one openid at once: one is refused with 43108, retried, and each item is delivered once', async () => {
    const tag = randomUUID().slice(0, 8);
    const user = `mp-race-${tag}`;
    sandbox.wechat.addSubscriber(MP, user);
    sandbox.wechat.grantConsent(MP, user, MP_TEMPLATE, 'long-term');
    await grantConsent(db, user, 'long-term');
    await subscribe(db, 'wechat-mp', user, { applicationNumber: `${tag}-1` });
    const [a, b] = [await publish(`${tag}-1`), await publish(`${tag}-1`)];

    // A second process: its own channel instances (its own per-openid queue), the same database and tokens.
    const config = loadConfig({ ...sandboxEnv(sandbox.url), FANOUT_BATCH: '50', WECHAT_MP_TEMPLATE_KIND: 'long-term' });
    const otherWired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db), massBudget: createMassBudget(db), sandbox });
    const other: FanOutDeps = { ...fanOutDeps(db, config.channels, otherWired, { baseUrl: BASE_URL, miniProgramPage: 'pages/detail/detail' }, deps.logger), random: () => 0, workerId: 'worker-b' };
    const first: FanOutDeps = { ...deps, workerId: 'worker-a' };
    // The first send to reach WeChat is held in flight, so the other meets it.
    sandbox.wechat.faults.inject({ path: SUBSCRIBE, latencyMs: 800, count: 1 });
    await Promise.all([drive(first, a, 'r1~wechat-mp'), drive(other, b, 'r1~wechat-mp')]);
    sandbox.wechat.faults.clear();

    const records = [await delivery(a, 'wechat-mp', user), await delivery(b, 'wechat-mp', user)];
    expect(records.map((r) => r?.state)).toEqual(['sent', 'sent']);
    // One went through at once; the other met 43108 and was sent by a later attempt.
    const [once, retried] = [...records].sort((x, y) => (x?.attempts ?? 0) - (y?.attempts ?? 0));
    expect(once).toMatchObject({ attempts: 1 });
    expect(retried!.attempts).toBeGreaterThan(1);
    expect(retried).toMatchObject({ code: '43108' });
    const sends = sandbox.outbox.list('wechat-mp').filter((e) => e.path === SUBSCRIBE && (e.body as { touser?: string }).touser === user);
    expect(sends).toHaveLength(2);
    expect(new Set(sends.map((e) => e.externalId))).toEqual(new Set(records.map((r) => r?.externalId)));
  }, 30_000);
});

describe('TEMPLATESENDJOBFINISH from the sandbox', () => {
  it('lands on each delivery by MsgID: delivered, user-blocked, system-failed', async () => {
    const tag = randomUUID().slice(0, 8);
    const users = { delivered: `oa-ok-${tag}`, 'user-blocked': `oa-block-${tag}`, 'system-failed': `oa-sys-${tag}` };
    for (const user of Object.values(users)) {
      sandbox.wechat.addFollower(OA, user);
      await subscribe(db, 'wechat-oa', user, { applicationNumber: `${tag}-1` });
    }
    sandbox.wechat.setTemplateOutcome(OA, users['user-blocked'], 'user-block');
    sandbox.wechat.setTemplateOutcome(OA, users['system-failed'], 'system-failed');
    const id = await publish(`${tag}-1`);
    await drive(deps, id, 'r1~wechat-oa');
    for (const [status, user] of Object.entries(users)) {
      // A push that beat the worker's write of the msgid waits for the maintenance job, run here.
      const record = await waitFor(
        async () => {
          await applyPendingTemplateResults({ db, now: () => new Date() });
          return delivery(id, 'wechat-oa', user);
        },
        (d) => d?.deliveryStatus !== undefined,
      );
      expect(record).toMatchObject({ state: 'sent', deliveryStatus: status });
    }
  });

  it('with MsgID 0 (client_msg_id set) lands on the follower’s delivery of that send, not on their earlier one', async () => {
    const tag = randomUUID().slice(0, 8);
    const user = `oa-zero-${tag}`;
    sandbox.wechat.addFollower(OA, user);
    await subscribe(db, 'wechat-oa', user, { applicationNumber: `${tag}-1` });
    const earlier = await publish(`${tag}-1`);
    await drive(deps, earlier, 'r1~wechat-oa');
    await waitFor(() => delivery(earlier, 'wechat-oa', user), (d) => d?.deliveryStatus === 'delivered');

    sandbox.wechat.setZeroMsgIdWithClientMsgId(OA, true);
    sandbox.wechat.setTemplateOutcome(OA, user, 'user-block');
    try {
      const later = await publish(`${tag}-1`);
      await drive(deps, later, 'r1~wechat-oa');
      await sandbox.wechat.settlePushes();
      expect(sandbox.wechat.pushes(OA, 'TEMPLATESENDJOBFINISH').filter((p) => p.openid === user).at(-1)?.fields).toMatchObject({ MsgID: 0, Status: 'failed:user block' });
      // The push may beat the worker's write of the record: kept, then applied by the maintenance job.
      const settled = await waitFor(
        async () => {
          await applyPendingTemplateResults({ db, now: () => new Date() });
          return delivery(later, 'wechat-oa', user);
        },
        (d) => d?.deliveryStatus !== undefined,
      );
      expect(settled).toMatchObject({ state: 'sent', deliveryStatus: 'user-blocked' });
      expect(await delivery(earlier, 'wechat-oa', user)).toMatchObject({ deliveryStatus: 'delivered' });
      expect(await db.collection('deliveries').countDocuments({ externalId: '0' })).toBe(0);
    } finally {
      sandbox.wechat.setZeroMsgIdWithClientMsgId(OA, false);
      sandbox.wechat.setTemplateOutcome(OA, user, 'success');
    }
  });

  it('with MsgID 0 and two sends to the follower that fit, is kept as unmatched and put on neither', async () => {
    const tag = randomUUID().slice(0, 8);
    const user = `oa-twice-${tag}`;
    sandbox.wechat.addFollower(OA, user);
    await subscribe(db, 'wechat-oa', user, { applicationNumber: `${tag}-1` });
    // Two items sent to the follower while the callback is away: their results never came.
    sandbox.wechat.setCallback(OA, { url: `${gongkai}/nowhere`, token: OA_CALLBACK_TOKEN });
    const [a, b] = [await publish(`${tag}-1`), await publish(`${tag}-1`)];
    await drive(deps, a, 'r1~wechat-oa');
    await drive(deps, b, 'r1~wechat-oa');
    await sandbox.wechat.settlePushes();
    sandbox.wechat.setCallback(OA, { url: `${gongkai}/wechat/oa`, token: OA_CALLBACK_TOKEN });
    // Then WeChat reports one of them with MsgID 0: it could be either.
    const now = new Date();
    const signed = signPush(
      { token: OA_CALLBACK_TOKEN, appId: OA },
      pushXml({ ToUserName: 'gh_sandbox', FromUserName: user, CreateTime: Math.floor(now.getTime() / 1000), MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: 0, Status: 'failed:user block' }),
      { now },
    );
    const res = await fetch(`${gongkai}/wechat/oa?${new URLSearchParams(signed.query).toString()}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: signed.body });
    expect(await res.text()).toBe('success');
    const unmatched = await waitFor(() => unmatchedTemplateResults(db).find({ deliveryStatus: 'user-blocked', reason: 'ambiguous' }).toArray(), (u) => u.length > 0);
    expect(unmatched[0]).toMatchObject({ msgId: '0', candidates: 2 });
    expect(JSON.stringify(unmatched)).not.toContain(user);
    expect((await delivery(a, 'wechat-oa', user))?.deliveryStatus).toBeUndefined();
    expect((await delivery(b, 'wechat-oa', user))?.deliveryStatus).toBeUndefined();
    expect(await pendingTemplateResults(db).countDocuments({ openid: user })).toBe(0);
  });
});

describe('MASSSENDJOBFINISH with FilterCount', () => {
  it('is recorded on the broadcast’s delivery, and the report shows how many followers WeChat filtered', async () => {
    const followers = Array.from({ length: 5 }, (_, i) => `mass-${randomUUID().slice(0, 6)}-${i}`);
    followers.forEach((user, i) => sandbox.wechat.addFollower(OA, user, { tags: i < 2 ? [tagId, '线下活动'] : [tagId] }));
    for (const user of followers) await subscribe(db, 'wechat-oa', user);
    // Staff spent two followers' month in the web console: four broadcasts to a tag they carry.
    for (let i = 0; i < 4; i++) sandbox.wechat.consoleMassSend(OA, { tag: '线下活动' });

    const id = await publish(`mass-${randomUUID().slice(0, 6)}`, { broadcast: true });
    await drive(deps, id, 'r1~wechat-oa');
    const record = await waitFor(() => db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-oa' }), (d) => d?.massResult !== undefined);
    expect(record).toMatchObject({ recipientId: `tag-${tagId}`, state: 'sent', massResult: { status: 'send success', totalCount: 5, filterCount: 3, sentCount: 3, errorCount: 0 } });

    const report = await http().get(`/api/v1/disclosures/${id}/deliveries`).set(auth).expect(200);
    const oa = report.body.channels.find((c: { channel: string }) => c.channel === 'wechat-oa');
    expect(oa.broadcasts).toEqual([
      { change: 'r1', mode: 'live', totalCount: 5, filterCount: 3, filtered: 2, sentCount: 3, errorCount: 0, status: 'send success', at: expect.any(String) },
    ]);
    const other = await agencyWithKey(db, 'bj-chaoyang-zjw');
    expect((await http().get(`/api/v1/disclosures/${id}/deliveries`).set(other.auth)).status).toBe(403);
  });
});
