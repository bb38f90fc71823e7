import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { SANDBOX_WEBHOOK_SECRET } from '../../channels/sandbox/start-local.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { createServices } from '../../core/services.ts';
import { enqueueFanOut } from '../../jobs/fan-out.job.ts';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from '../helpers/db.ts';
import { sandboxEnv, subscribe } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';
import { testReadModel } from '../helpers/read-model.ts';

const BATCH = 20;
const AUDIENCE = 300;
const TEMPLATE = '/cgi-bin/message/template/send';

const db = await connectTestDb('worker_crash');
const sandbox = await startSandbox({ webhookSecret: SANDBOX_WEBHOOK_SECRET });
sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
// This process is only the API: it enqueues, the worker processes below deliver.
const { logger } = captureLogs('warn');
const queue = await startQueue({ db, role: 'api', pollMs: 200, logger });
const channels = ['wechat-oa', 'wechat-mp', 'weibo', 'webhook'] as const;
const services = createServices(db, { readModel: testReadModel(), logger, fanOutChannels: channels, enqueueFanOut: enqueueFanOut(queue.agenda) });
const http = () => request(createApp({ logger, db, queue, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL }).callback());
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await queue.stop(1_000);
  await sandbox.close();
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [path.resolve('bin/gongkai.js'), 'serve', '--worker'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: `${inject('mongoUri')}${db.name}`,
      READ_MODEL_FILE: path.join(os.tmpdir(), `gongkai-test-read-model-${db.name}.sqlite`),
      ...sandboxEnv(sandbox.url),
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      FANOUT_BATCH: String(BATCH),
      FANOUT_LEASE_MS: '1500',
      JOBS_POLL_MS: '200',
      CHANNEL_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
      WORKER_METRICS_PORT: '0',
    },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

describe('a worker killed mid fan-out', () => {
  it('is replaced by another that finishes: every recipient sent once, none lost, duplicates within the in-flight bound', async () => {
    const tag = randomUUID().slice(0, 8);
    for (let i = 0; i < AUDIENCE; i++) {
      sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, `k-${tag}-${i}`);
      await subscribe(db, 'wechat-oa', `k-${tag}-${i}`, { applicationNumber: `${tag}-1` });
    }
    // Slow sends, so the kill lands in the middle.
    sandbox.wechat.faults.inject({ path: TEMPLATE, latencyMs: 15, count: 100_000 });
    const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');
    const created = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ content: allocationContent([`${tag}-1`]) }));
    await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
    const id: string = created.body.id;
    const calls = () => sandbox.wechat.usage(SANDBOX_APPS.oa.appId, TEMPLATE);
    const before = calls();

    const first = startWorker();
    await waitFor(async () => calls() - before, (n) => n >= 80, 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atKill = calls() - before;
    expect(atKill).toBeLessThan(AUDIENCE);

    startWorker();
    const sent = await waitFor(
      () => db.collection('deliveries').countDocuments({ disclosureId: id, channel: 'wechat-oa', state: 'sent' }),
      (n) => n === AUDIENCE,
      90_000,
    );
    expect(sent).toBe(AUDIENCE);
    const deliveries = await db.collection('deliveries').find({ disclosureId: id, channel: 'wechat-oa' }).toArray();
    expect(deliveries).toHaveLength(AUDIENCE);
    expect(new Set(deliveries.map((d) => d.address)).size).toBe(AUDIENCE);
    // Only the batch in flight at the kill can have gone out twice.
    expect(calls() - before).toBeLessThanOrEqual(AUDIENCE + BATCH);
    sandbox.wechat.faults.clear();
    // Two worker processes start and a few hundred sends go through a slowed sandbox.
  }, 150_000);
});
