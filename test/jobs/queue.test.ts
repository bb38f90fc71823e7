import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';

const db = await connectTestDb('queue');
const { logger } = captureLogs();
const echoes = () => db.collection('echoes');

async function queueWithEcho(role: 'all' | 'api' | 'worker') {
  const queue = await startQueue({ db, role, pollMs: 200, logger });
  queue.agenda.define<{ n: number; role?: string }>('test-echo', async (job) => {
    await echoes().insertOne({ n: job.attrs.data.n, ranBy: role });
  });
  afterAll(() => queue.stop(1000));
  return queue;
}

describe('the job queue on FerretDB', () => {
  it('runs a job enqueued in the single-process role', async () => {
    const queue = await queueWithEcho('all');
    expect(queue.processing).toBe(true);
    await queue.agenda.now('test-echo', { n: 1 });
    const doc = await waitFor(() => echoes().findOne({ n: 1 }), Boolean);
    expect(doc).toMatchObject({ n: 1, ranBy: 'all' });
    await queue.stop(1000);
    expect(queue.processing).toBe(false);
  });

  it('lets an API process enqueue and a separate worker process run it', async () => {
    const api = await startQueue({ db, role: 'api', pollMs: 200, logger });
    afterAll(() => api.stop(1000));
    expect(api.processing).toBe(false);
    await queueWithEcho('worker');
    await api.agenda.now('test-echo', { n: 2 });
    const doc = await waitFor(() => echoes().findOne({ n: 2 }), Boolean);
    expect(doc?.ranBy).toBe('worker');
    expect(await echoes().countDocuments({ n: 2 })).toBe(1);
  });

  it('at stop, waits for a job taken off the queue whose start is still being written, and leaves it unlocked', async () => {
    const queue = await startQueue({ db, role: 'worker', pollMs: 200, logger });
    afterAll(() => queue.stop(1000));
    const ran: string[] = [];
    queue.agenda.define('test-slow-start', async () => {
      ran.push('started');
      await sleep(300);
      ran.push('finished');
    });
    // agenda records a job's start (lastRunAt) before its 'start' event: slow that write down.
    const repository = queue.agenda.db;
    const saveJobState = repository.saveJobState.bind(repository);
    let delayed = false;
    let inWindow!: () => void;
    const reached = new Promise<void>((resolve) => (inWindow = resolve));
    repository.saveJobState = async (job, options) => {
      if (job.name === 'test-slow-start' && !delayed) {
        delayed = true;
        inWindow();
        await sleep(500);
      }
      return saveJobState(job, options);
    };
    await queue.agenda.now('test-slow-start', {});
    await reached;
    await queue.stop(10_000);
    expect(ran).toEqual(['started', 'finished']);
    const job = await db.collection('jobs').findOne({ name: 'test-slow-start' });
    expect(job?.lastFinishedAt).toBeInstanceOf(Date);
    expect(job?.lockedAt ?? null).toBeNull();
  });
});
