import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { connectTestDb } from '../helpers/db.ts';
import {
  connectOutcome,
  followers,
  processEnv,
  processSandbox,
  startApiProcess,
  startWorkerProcess,
  TEMPLATE_PATH,
  templateSendsTo,
  webhooksFor,
} from '../helpers/processes.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const AUDIENCE = 25;

const db = await connectTestDb('scale_out');
const sandbox = await processSandbox();
sandbox.weibo.setSafeDomain(['127.0.0.1']);
const env = processEnv(db, sandbox.url, { FANOUT_BATCH: '10', SESSION_SECRET: 'scale-out-session-secret-0123456789abcdef' });
const [apiA, apiB, workerA, workerB] = await Promise.all([
  startApiProcess(env),
  startApiProcess(env),
  startWorkerProcess(env),
  startWorkerProcess(env),
]);
const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');

/** Where a worker said it serves /metrics (it was given port 0: a free one). */
async function metricsUrl(worker: typeof workerA): Promise<string> {
  const line = await worker.waitForLog('worker metrics served');
  return String(line.url).replace(/\/metrics$/, '');
}

async function publishThrough(api: { url: string }, applicationNumber: string): Promise<string> {
  const headers = { ...auth, 'content-type': 'application/json' };
  const created = await fetch(`${api.url}/api/v1/disclosures`, {
    method: 'POST',
    headers,
    body: JSON.stringify(allocationResult({ content: allocationContent([applicationNumber]) })),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const published = await fetch(`${api.url}/api/v1/disclosures/${id}/publish`, { method: 'POST', headers });
  expect(published.status).toBe(200);
  return id;
}

async function deliveredOnce(id: string) {
  await waitFor(
    () => db.collection('deliveries').countDocuments({ disclosureId: id, channel: 'wechat-oa', state: 'sent' }),
    (n) => n === AUDIENCE,
    120_000,
  );
  await waitFor(async () => webhooksFor(sandbox, id), (n) => n === 1);
}

/** The worker process (pid) that held a fan-out's lease. */
async function leaseOwnerOf(id: string): Promise<string | undefined> {
  const lease = await db.collection('fanout_leases').findOne({ _id: `${id}|r1~wechat-oa#1` as never });
  return lease?.owner.split(':').at(-1);
}

describe('two API and two worker processes on one database', () => {
  it('fan out what either API publishes exactly once per recipient, on one WeChat access token', async () => {
    const tag = randomUUID().slice(0, 8);
    await followers(db, sandbox, `s-${tag}`, AUDIENCE, `${tag}-s`);
    // A counter of every template send request, WeChat's own de-duplication aside.
    const counter = sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, latencyMs: 0 });
    const calls = () => sandbox.wechat.faults.active().find((f) => f.id === counter)?.fired ?? 0;

    // First each worker alone (the other paused), so that both have sent, whatever the scheduling.
    workerA.child.kill('SIGSTOP');
    const first = await publishThrough(apiA, `${tag}-s`);
    await deliveredOnce(first);
    workerA.child.kill('SIGCONT');
    workerB.child.kill('SIGSTOP');
    const second = await publishThrough(apiB, `${tag}-s`);
    await deliveredOnce(second);
    workerB.child.kill('SIGCONT');
    expect(await leaseOwnerOf(first)).toBe(String(workerB.pid));
    expect(await leaseOwnerOf(second)).toBe(String(workerA.pid));

    // Then both at once, racing for the same jobs, fed by both APIs.
    const rest = await Promise.all([apiA, apiB, apiA, apiB].map((api) => publishThrough(api, `${tag}-s`)));
    for (const id of rest) await deliveredOnce(id);

    const ids = [first, second, ...rest];
    expect(await db.collection('deliveries').countDocuments({ disclosureId: { $in: ids }, channel: 'wechat-oa' })).toBe(ids.length * AUDIENCE);
    expect(calls()).toBe(ids.length * AUDIENCE);
    for (const id of ids) {
      const perRecipient = templateSendsTo(sandbox, id);
      expect(perRecipient.size).toBe(AUDIENCE);
      expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
      expect(webhooksFor(sandbox, id)).toBe(1);
    }
    // The token lives in MongoDB: one fetch served both workers.
    expect(sandbox.wechat.tokenFetches(SANDBOX_APPS.oa.appId)).toEqual({ token: 0, stableToken: 1 });
    sandbox.wechat.faults.remove(counter);
  }, 300_000);

  it('each worker serves its own /metrics (WORKER_METRICS_PORT): between them, every send of the first test, counted as live', async () => {
    const sent = async (worker: typeof workerA) => {
      const text = await (await fetch(`${await metricsUrl(worker)}/metrics`)).text();
      expect(text).toContain('gongkai_process_cpu_seconds_total');
      const line = text.split('\n').find((l) => l.startsWith('gongkai_deliveries_total{') && l.includes('channel="wechat-oa"') && l.includes('state="sent"') && l.includes('mode="live"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const [a, b] = [await sent(workerA), await sent(workerB)];
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a + b).toBe(6 * AUDIENCE);
    const health = await fetch(`${await metricsUrl(workerA)}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', role: 'worker' });
    expect((await fetch(`${await metricsUrl(workerA)}/api/v1/catalogue`)).status).toBe(404);
    expect((await fetch(`${await metricsUrl(workerA)}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('all four stop cleanly on SIGTERM', async () => {
    const metricsPorts = await Promise.all([workerA, workerB].map(async (w) => Number(new URL(await metricsUrl(w)).port)));
    for (const proc of [apiA, apiB, workerA, workerB]) proc.child.kill('SIGTERM');
    expect(await Promise.all([apiA, apiB, workerA, workerB].map((p) => p.exited))).toEqual([0, 0, 0, 0]);
    for (const port of metricsPorts) expect(await connectOutcome(port)).toBe('refused');
  }, 60_000);
});
