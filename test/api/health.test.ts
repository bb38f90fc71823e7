import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { connectDb } from '../../core/db.ts';
import { startQueue } from '../../jobs/worker.ts';
import { startOwnFerretDB } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';

// This file stops and restarts its database, so it runs on a FerretDB of its own.
const server = await startOwnFerretDB();
const db = await connectDb({ uri: server.uri, dbName: 'health' });
const { logger } = captureLogs();
const queue = await startQueue({ db, role: 'all', pollMs: 500, logger });
const app = createApp({ logger, db, queue, bodyLimit: '1mb' }).callback();
afterAll(async () => {
  await queue.stop(1000);
  await db.close();
});

describe('GET /healthz', () => {
  it('answers 200 while the process runs', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the database up and the worker processing', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', jobs: 'processing' } });
  });

  it('answers 503 while the database is down and recovers by itself when it returns', async () => {
    await server.stop();
    const down = await request(app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', checks: { database: 'unreachable', jobs: 'processing' } });
    expect((await request(app).get('/healthz')).status).toBe(200);

    await server.restart();
    const back = await waitFor(
      () => request(app).get('/readyz'),
      (res) => res.status === 200,
    );
    expect(back.body.checks.database).toBe('ok');
  });

  it('answers 503 when this worker has stopped taking jobs', async () => {
    const stoppedQueue = { processing: false, takesJobs: true };
    const stoppedApp = createApp({ logger, db, queue: stoppedQueue, bodyLimit: '1mb' }).callback();
    const res = await request(stoppedApp).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ database: 'ok', jobs: 'stopped' });
  });

  it('is ready in an API-only process that enqueues for other workers', async () => {
    const apiOnly = createApp({ logger, db, queue: { processing: false, takesJobs: false }, bodyLimit: '1mb' }).callback();
    const res = await request(apiOnly).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.jobs).toBe('enqueue-only');
  });
});

describe('after the database returns', () => {
  it('the worker takes jobs again', async () => {
    queue.agenda.define<{ n: number }>('test-after-restart', async (job) => {
      await db.collection('after_restart').insertOne({ n: job.attrs.data.n });
    });
    await queue.agenda.now('test-after-restart', { n: 7 });
    const doc = await waitFor(() => db.collection('after_restart').findOne({ n: 7 }), Boolean);
    expect(doc?.n).toBe(7);
  });
});
