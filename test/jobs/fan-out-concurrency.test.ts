import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { runFanOut } from '../../core/fanout/fan-out.ts';
import { createThrottle } from '../../core/fanout/throttle.ts';
import { endPause } from '../../core/fanout/pauses.ts';
import { publishPlan } from '../../core/disclosures/transitions.ts';
import { outboxFields } from '../../core/fanout/outbox-keys.ts';
import { fanOutWorld, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';

// Fan-outs here are driven by hand: the queue's own worker would race the workers under test.
const world = await fanOutWorld('fan_out_conc', { FANOUT_BATCH: '20' });
await world.queue.stop(1_000);
const { db, sandbox, http, deps } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const OA = SANDBOX_APPS.oa.appId;
const TEMPLATE = '/cgi-bin/message/template/send';

async function audience(size: number) {
  const tag = randomUUID().slice(0, 8);
  const openids = Array.from({ length: size }, (_, i) => `c-${tag}-${i}`);
  for (const openid of openids) {
    sandbox.wechat.addFollower(OA, openid);
    await subscribe(db, 'wechat-oa', openid, { applicationNumber: `${tag}-1` });
  }
  const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ content: allocationContent([`${tag}-1`]) }));
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(haidian.auth).expect(200);
  return { id: created.body.id as string, openids };
}

const oaDeliveries = (id: string) => db.collection('deliveries').find({ disclosureId: id, channel: 'wechat-oa' }).toArray();

describe('two workers on one fan-out', () => {
  it('never send one revision twice to anyone, even when a lease is taken over mid-run', async () => {
    const { id, openids } = await audience(120);
    sandbox.wechat.faults.inject({ path: TEMPLATE, latencyMs: 5, count: 10_000 });
    const callsBefore = sandbox.wechat.usage(OA, TEMPLATE);
    // A lease this short expires between checkpoints, so the two workers really overlap.
    const a = { ...deps, workerId: 'worker-a', leaseMs: 20 };
    const b = { ...deps, workerId: 'worker-b', leaseMs: 20 };
    const drive = async (worker: typeof a) => {
      for (let i = 0; i < 2_000; i++) {
        const result = await runFanOut(worker, id, 'r1~wechat-oa');
        if (result.state === 'done') return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([drive(a), drive(b)]);
    sandbox.wechat.faults.clear();

    const deliveries = await oaDeliveries(id);
    expect(deliveries).toHaveLength(120);
    expect(deliveries.every((d) => d.state === 'sent')).toBe(true);
    expect(new Set(deliveries.map((d) => d.address))).toEqual(new Set(openids));
    // Both workers really took part.
    expect(new Set(deliveries.map((d) => d.owner))).toEqual(new Set(['worker-a', 'worker-b']));
    expect(sandbox.wechat.usage(OA, TEMPLATE) - callsBefore).toBe(120);
  }, 120_000);
});

describe('a worker that died between claiming and recording', () => {
  it('leaves claims that the next lease holder sends, however recent they are', async () => {
    const { id, openids } = await audience(10);
    // What a SIGKILL mid-send leaves: a first-attempt claim for three recipients, no records,
    // made moments ago, so younger than the lease by far.
    const orphaned = openids.slice(0, 3);
    await db.collection('delivery_claims').insertMany(
      orphaned.map((openid) => {
        const delivery = `${id}:r1|wechat-oa|${openid}`;
        return { _id: `${delivery}#1`, delivery, gen: 1, owner: 'worker-dead', at: new Date() } as never;
      }),
    );
    const callsBefore = sandbox.wechat.usage(OA, TEMPLATE);
    const next = { ...deps, workerId: 'worker-next', leaseMs: 600_000, now: () => new Date(Date.now() + 5) };
    expect((await runFanOut(next, id, 'r1~wechat-oa')).state).toBe('done');
    const deliveries = await oaDeliveries(id);
    expect(deliveries.filter((d) => d.state === 'sent').map((d) => d.address).sort()).toEqual([...openids].sort());
    expect(sandbox.wechat.usage(OA, TEMPLATE) - callsBefore).toBe(10);
  });
});

describe('a quota spent mid fan-out (45009)', () => {
  it('pauses the channel until the quota resets, then resumes where it stopped', async () => {
    const { id } = await audience(30);
    sandbox.wechat.faults.inject({ path: TEMPLATE, errcode: 45009, count: 1 });
    const first = await runFanOut(deps, id, 'r1~wechat-oa');
    expect(first.state).toBe('parked');
    // 45009 resets at midnight China time.
    const midnight = new Date(`${new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10)}T00:00:00+08:00`);
    expect(Math.abs(first.runAt!.getTime() - midnight.getTime())).toBeLessThan(60_000);
    const progress = await db.collection('fanouts').findOne({ disclosureId: id });
    expect(progress).toMatchObject({ state: 'waiting', reason: expect.stringMatching(/^paused: 45009/) });
    expect(await db.collection('channel_pauses').findOne({ _id: 'wechat-oa' as never })).toMatchObject({ until: first.runAt });
    const before = await oaDeliveries(id);
    expect(before.filter((d) => d.state === 'sent').length).toBeLessThan(30);
    expect(before.some((d) => d.state === 'failed' || d.state === 'skipped')).toBe(false);

    // Run again during the pause (a duplicate job): it parks again, sending nothing.
    expect((await runFanOut(deps, id, 'r1~wechat-oa')).state).toBe('parked');
    expect((await oaDeliveries(id)).length).toBe(before.length);
    const later = { ...deps, now: () => new Date(first.runAt!.getTime() + 1_000) };
    // The account's resume ends the pause and hands back what it parked.
    const { parked } = await endPause(db, 'wechat-oa', later.now());
    expect(parked.map((p) => p._id)).toEqual([`${id}|r1~wechat-oa`]);
    expect((await runFanOut(later, id, 'r1~wechat-oa')).state).toBe('done');
    const after = await oaDeliveries(id);
    expect(after).toHaveLength(30);
    expect(after.every((d) => d.state === 'sent')).toBe(true);
  });
});

describe('the throttle', () => {
  it('never has more sends in flight than its concurrency', async () => {
    const throttle = createThrottle({ ratePerSecond: 10_000, concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 40 }, () =>
        throttle.run(async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('holds sends beyond the rate until tokens refill', async () => {
    const throttle = createThrottle({ ratePerSecond: 20, concurrency: 100 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, () => throttle.run(async () => undefined)));
    // A bucket of 20 then 10 more at 20/s: at least half a second, however fast the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});

describe('resuming after a lost enqueue', () => {
  it('the journal starts the fan-outs of a publication whose process died before enqueueing them', async () => {
    const tag = randomUUID().slice(0, 8);
    const openid = `lost-${tag}`;
    sandbox.wechat.addFollower(OA, openid);
    await subscribe(db, 'wechat-oa', openid, { applicationNumber: `${tag}-1` });
    const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ content: allocationContent([`${tag}-1`]) }));
    const id = created.body.id as string;
    // The publish write alone, with its outbox: the process died before starting any fan-out.
    await world.services.store.write(id, 'dying-api', () => new Date(), (doc, now) => {
      const plan = publishPlan(doc, now);
      const outbox = outboxFields(doc, plan.change!, ['wechat-oa'], now);
      return { set: { ...plan.set, ...outbox.fields, updatedAt: now }, push: { events: { ...plan.event, seq: doc.events.length + 1, at: now, keyId: 'k', role: 'publisher' } }, intent: { outboxKeys: outbox.keys, publicChange: true } };
    });
    expect(await db.collection('fanouts').countDocuments({ disclosureId: id })).toBe(0);
    expect((await world.services.sync.catchUp({ all: true })).applied).toBeGreaterThanOrEqual(1);
    // This file's queue is stopped, so the job the journal enqueued waits there; run it as a worker would.
    const jobs = await db.collection('jobs').find({ name: 'fan-out' }).toArray();
    expect(jobs.filter((j) => j.data.disclosureId === id).map((j) => j.data.outboxKey)).toEqual(['r1~wechat-oa']);
    expect((await runFanOut(deps, id, 'r1~wechat-oa')).state).toBe('done');
    expect((await oaDeliveries(id)).map((d) => [d.recipientId, d.state])).toEqual([[openid, 'sent']]);
  });
});
