import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { connectDb } from '../../core/db.ts';
import { freePort } from '../../core/embedded/ferretdb-process.ts';
import { createServices } from '../../core/services.ts';
import { enqueueFanOut } from '../../jobs/fan-out.job.ts';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from '../helpers/db.ts';
import { sandboxEnv } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import {
  connectOutcome,
  followers,
  processEnv,
  processSandbox,
  spawnGongkai,
  startWorkerProcess,
  TEMPLATE_PATH,
  templateSendsTo,
  webhooksFor,
} from '../helpers/processes.ts';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('graceful_shutdown');
const sandbox = await processSandbox();
// This test process is the API for the worker scenarios; the workers are real processes.
const { logger } = captureLogs('warn');
const queue = await startQueue({ db, role: 'api', pollMs: 200, logger });
afterAll(() => queue.stop(1_000));
const services = createServices(db, { readModel: testReadModel(), logger, fanOutChannels: ['wechat-oa', 'webhook'], enqueueFanOut: enqueueFanOut(queue.agenda) });
const api = () => request(createApp({ logger, db, queue, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL }).callback());
const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');

const BATCH = 20;
// Longer than any wait below: a fan-out that resumes in time did not wait for a lease to expire.
const workerEnv = processEnv(db, sandbox.url, {
  FANOUT_BATCH: String(BATCH),
  FANOUT_LEASE_MS: '600000',
  CHANNEL_CONCURRENCY: '4',
  SHUTDOWN_GRACE_MS: '60000',
});

async function publish(applicationNumber: string): Promise<string> {
  const created = await api().post('/api/v1/disclosures').set(auth).send(allocationResult({ content: allocationContent([applicationNumber]) })).expect(201);
  await api().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth).expect(200);
  return created.body.id as string;
}

const sentTo = (disclosureId: string) => db.collection('deliveries').countDocuments({ disclosureId, channel: 'wechat-oa', state: 'sent' });

/** Counts every template send request the sandbox receives, WeChat's own de-duplication aside. */
function countTemplateCalls(latencyMs = 0) {
  const id = sandbox.wechat.faults.inject({ path: TEMPLATE_PATH, latencyMs });
  return { calls: () => sandbox.wechat.faults.active().find((f) => f.id === id)?.fired ?? 0, stop: () => sandbox.wechat.faults.remove(id) };
}

/** A `gongkai serve` on an embedded FerretDB of its own (the operator's default set-up). */
async function embeddedService(role: 'all' | 'api') {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-shutdown-'));
  const dbPort = await freePort();
  afterAll(async () => {
    const lock = path.join(dataDir, 'ferretdb.lock');
    if (existsSync(lock)) process.kill(Number(readFileSync(lock, 'utf8')), 'SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const proc = spawnGongkai(role, {
    ...sandboxEnv(sandbox.url),
    EMBEDDED_DB_PORT: String(dbPort),
    EMBEDDED_DB_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    SESSION_SECRET: 'graceful-shutdown-session-secret-0123456789',
    // Longer than the tests wait: finishing in time means nothing waited for the grace period.
    SHUTDOWN_GRACE_MS: '600000',
  });
  const port = (await proc.waitForLog('gongkai listening', 120_000)).port as number;
  const conn = await connectDb({ uri: `mongodb://127.0.0.1:${dbPort}/`, dbName: 'gongkai' });
  const key = await agencyWithKey(conn, 'bj-chaoyang-zjw');
  const draft = await fetch(`http://127.0.0.1:${port}/api/v1/disclosures`, {
    method: 'POST',
    headers: { ...key.auth, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(allocationResult()),
  });
  expect(draft.status).toBe(201);
  const { id } = (await draft.json()) as { id: string };
  await conn.close();
  return { proc, port, dbPort, dataDir, auth: key.auth, draftId: id };
}

/**
 * A request the server has begun to handle: with `Expect: 100-continue` Node answers
 * "100 Continue" once it has the headers and handed the request to the app, which then waits
 * for the body that `send()` writes.
 */
async function requestInFlight(port: number, pathname: string, headers: Record<string, string>, body: string) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: pathname,
    agent: new http.Agent({ keepAlive: true }),
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' },
  });
  const response = new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
    });
  });
  response.catch(() => undefined);
  req.flushHeaders();
  await once(req, 'continue');
  return { send: () => req.end(body), response };
}

/** An idle keep-alive connection to the server; resolves `closed` when the server closes it. */
async function idleKeepAlive(port: number) {
  const agent = new http.Agent({ keepAlive: true });
  let closed!: Promise<void>;
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('error', reject);
    req.once('socket', (socket) => {
      closed = new Promise((done) => socket.once('close', () => done()));
    });
  });
  return { closed };
}

describe('SIGTERM to an API process', () => {
  it('refuses new connections, closes idle keep-alive ones, finishes the request in flight (200), closes the embedded database and exits 0', async () => {
    const { proc, port, dbPort, dataDir, auth: key, draftId } = await embeddedService('all');
    const idle = await idleKeepAlive(port);
    const body = JSON.stringify({ title: '朝阳区2026年第三批公共租赁住房分配结果公示（修订稿）' });
    const slow = await requestInFlight(port, `/api/v1/disclosures/${draftId}/revisions`, key, body);

    proc.child.kill('SIGTERM');
    await waitFor(() => connectOutcome(port), (o) => o === 'refused');
    await idle.closed;
    slow.send();
    const answer = await slow.response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ id: draftId, title: '朝阳区2026年第三批公共租赁住房分配结果公示（修订稿）' });
    // The client is told not to reuse the connection of a server that is going away.
    expect(answer.connection).toBe('close');

    expect(await proc.exited).toBe(0);
    expect(proc.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(proc.logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg)).toEqual([]);
    // gongkai started the embedded FerretDB, so it stopped it before exiting.
    expect(await connectOutcome(dbPort)).toBe('refused');
    expect(existsSync(path.join(dataDir, 'ferretdb.lock'))).toBe(false);
  }, 180_000);

  it('exits at once on a second signal, without waiting for the grace period, and stops the embedded database', async () => {
    const { proc, port, dbPort, auth: key, draftId } = await embeddedService('api');
    const held = await requestInFlight(port, `/api/v1/disclosures/${draftId}/revisions`, key, '{}');
    proc.child.kill('SIGTERM');
    await waitFor(() => connectOutcome(port), (o) => o === 'refused');
    // Still waiting for the held request, with a grace period longer than this test may run.
    expect(proc.child.exitCode).toBeNull();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(1);
    expect(proc.stderr.join('')).toContain('SIGINT received again, exiting now');
    await expect(held.response).rejects.toThrow();
    await waitFor(() => connectOutcome(dbPort), (o) => o === 'refused');
  }, 180_000);
});

describe('SIGTERM to a worker mid fan-out', () => {
  let survivor: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;

  it('stops at a checkpoint and hands the fan-out over at once: every recipient sent exactly once, none twice', async () => {
    const AUDIENCE = 200;
    const tag = randomUUID().slice(0, 8);
    const first = await startWorkerProcess(workerEnv);
    const openids = await followers(db, sandbox, `g-${tag}`, AUDIENCE, `${tag}-1`);
    // Slow sends, so that the signal lands in the middle.
    const counter = countTemplateCalls(15);
    const id = await publish(`${tag}-1`);

    await waitFor(async () => counter.calls(), (n) => n >= 3 * BATCH, 120_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.logs.map((l) => l.msg)).not.toContain('jobs still running at shutdown; their locks expire');
    const sentByFirst = await sentTo(id);
    expect(sentByFirst).toBeLessThan(AUDIENCE);
    // Nothing was left half-sent, and the lease was given back rather than left to expire.
    expect(counter.calls()).toBe(sentByFirst);
    const run = await db.collection('fanouts').findOne({ disclosureId: id, outboxKey: 'r1~wechat-oa' });
    expect(run?.state).toBe('running');
    const lease = await db.collection('fanout_leases').findOne({ _id: `${run?._id}#${run?.gen}` as never });
    expect(lease?.expiresAt.getTime()).toBe(0);

    survivor = await startWorkerProcess(workerEnv);
    await waitFor(() => sentTo(id), (n) => n === AUDIENCE, 120_000);
    const deliveries = await db.collection('deliveries').find({ disclosureId: id, channel: 'wechat-oa' }).toArray();
    expect(deliveries).toHaveLength(AUDIENCE);
    expect(deliveries.every((d) => d.state === 'sent')).toBe(true);
    expect(new Set(deliveries.map((d) => d.address))).toEqual(new Set(openids));
    // A graceful stop finishes its batch: no recipient was sent to twice.
    expect(counter.calls()).toBe(AUDIENCE);
    const perRecipient = templateSendsTo(sandbox, id);
    expect(perRecipient.size).toBe(AUDIENCE);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    await waitFor(async () => webhooksFor(sandbox, id), (n) => n === 1);
    counter.stop();
  }, 300_000);

  it('delivers once everything published while the worker restarts', async () => {
    expect(survivor).toBeDefined();
    const AUDIENCE = 10;
    const tag = randomUUID().slice(0, 8);
    await followers(db, sandbox, `r-${tag}`, AUDIENCE, `${tag}-r`);
    const counter = countTemplateCalls();
    const ids = [await publish(`${tag}-r`), await publish(`${tag}-r`)];

    survivor!.child.kill('SIGTERM');
    ids.push(await publish(`${tag}-r`), await publish(`${tag}-r`));
    expect(await survivor!.exited).toBe(0);
    const next = startWorkerProcess(workerEnv);
    ids.push(await publish(`${tag}-r`), await publish(`${tag}-r`));
    const restarted = await next;

    for (const id of ids) {
      await waitFor(() => sentTo(id), (n) => n === AUDIENCE, 120_000);
      await waitFor(async () => webhooksFor(sandbox, id), (n) => n === 1);
    }
    expect(await db.collection('deliveries').countDocuments({ disclosureId: { $in: ids }, channel: 'wechat-oa' })).toBe(ids.length * AUDIENCE);
    expect(counter.calls()).toBe(ids.length * AUDIENCE);
    for (const id of ids) {
      const perRecipient = templateSendsTo(sandbox, id);
      expect(perRecipient.size).toBe(AUDIENCE);
      expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    }
    counter.stop();
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }, 300_000);
});
