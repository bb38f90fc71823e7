import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { FAN_OUT_JOB } from '../../jobs/fan-out.job.ts';
import { fanOutWorld, subscribe } from '../helpers/fanout.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const world = await fanOutWorld('fan_out_stopping');
const { db, sandbox, http, deps } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');

describe('a fan-out job that begins while its worker is stopping', () => {
  it('sends nothing and goes back on the queue; the next run sends to everyone once', async () => {
    const tag = randomUUID().slice(0, 8);
    const openids = [1, 2, 3].map((n) => `oa-${tag}-${n}`);
    for (const openid of openids) {
      sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, openid);
      await subscribe(db, 'wechat-oa', openid, { applicationNumber: `${tag}-0001` });
    }
    const stopping = new AbortController();
    stopping.abort();
    deps.stopping = stopping.signal;

    const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ content: allocationContent([`${tag}-0001`]) }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await http().post(`/api/v1/disclosures/${id}/publish`).set(haidian.auth).expect(200);

    const jobs = () => db.collection('jobs').countDocuments({ name: FAN_OUT_JOB, 'data.disclosureId': id, 'data.outboxKey': 'r1~wechat-oa' });
    // This in-process queue keeps polling, so each run puts the job back again.
    await waitFor(jobs, (n) => n >= 3);
    await sleep(300);
    const toThem = () => sandbox.outbox.list('wechat-oa').filter((e) => openids.includes((e.body as { touser?: string }).touser ?? ''));
    expect(toThem()).toHaveLength(0);
    expect(await db.collection('fanouts').countDocuments({ disclosureId: id, outboxKey: 'r1~wechat-oa' })).toBe(0);

    deps.stopping = undefined;
    await waitFor(async () => toThem().length, (n) => n === openids.length);
    await waitFor(() => db.collection('fanouts').findOne({ disclosureId: id, outboxKey: 'r1~wechat-oa' }), (run) => run?.state === 'done');
    expect(toThem().map((e) => (e.body as { touser: string }).touser).sort()).toEqual([...openids].sort());
    expect(await db.collection('deliveries').countDocuments({ disclosureId: id, channel: 'wechat-oa', state: 'sent' })).toBe(openids.length);
  });
});
