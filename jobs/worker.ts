import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { FanOutDeps } from '../core/fanout/deps.ts';
import { defineCallbackJobs, scheduleCallbackMaintenance } from './callback.job.ts';
import { defineFanOutJobs, scheduleOutboxSweep } from './fan-out.job.ts';
import { createQueue, type ProcessRole, type Queue } from './queue.ts';

export interface WorkerDeps {
  db: Connection;
  role: ProcessRole;
  pollMs: number;
  logger: Logger;
  /** The fan-out engine's dependencies; without them this process runs no delivery jobs. */
  fanOut?: FanOutDeps;
}

/**
 * Every job this service runs is defined here, so API and worker processes agree on names.
 * In the `api` role the queue only enqueues.
 */
export async function startQueue({ db, role, pollMs, logger, fanOut }: WorkerDeps): Promise<Queue> {
  if (!db.db) throw new Error('database connection is not open');
  const queue = createQueue({ db: db.db, role, pollMs, logger: logger.child({ module: 'jobs' }) });
  if (fanOut) defineFanOutJobs(queue.agenda, fanOut);
  defineCallbackJobs(queue.agenda, { db, now: () => new Date() });
  await queue.start();
  if (queue.takesJobs) {
    if (fanOut) await scheduleOutboxSweep(queue.agenda);
    await scheduleCallbackMaintenance(queue.agenda);
  }
  return queue;
}
