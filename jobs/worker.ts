import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { FanOutDeps } from '../core/fanout/deps.ts';
import { defineCallbackJobs, scheduleCallbackMaintenance } from './callback.job.ts';
import { defineFanOutJobs, scheduleOutboxSweep } from './fan-out.job.ts';
import { defineOpinionWatchJob, scheduleOpinionWatch } from './opinion-watch.job.ts';
import { defineOpinionCollectJob, scheduleOpinionCollect } from './opinion-collect.job.ts';
import type { OpinionCollectOptions } from '../core/opinion/collect/wiring.ts';
import { createQueue, type ProcessRole, type Queue } from './queue.ts';

export interface WorkerDeps {
  db: Connection;
  role: ProcessRole;
  pollMs: number;
  logger: Logger;
  /** The fan-out engine's dependencies; without them this process runs no delivery jobs. */
  fanOut?: FanOutDeps;
  /** Reaction collection (core/opinion/collect/wiring.ts); without it only mini-program feedback is collected. */
  opinion?: OpinionCollectOptions;
}

/**
 * Every job this service runs is defined here, so API and worker processes agree on names.
 * In the `api` role the queue only enqueues.
 */
export async function startQueue({ db, role, pollMs, logger, fanOut, opinion }: WorkerDeps): Promise<Queue> {
  if (!db.db) throw new Error('database connection is not open');
  const queue = createQueue({ db: db.db, role, pollMs, logger: logger.child({ module: 'jobs' }) });
  if (fanOut) defineFanOutJobs(queue.agenda, fanOut);
  defineCallbackJobs(queue.agenda, { db, now: () => new Date() });
  defineOpinionWatchJob(queue.agenda, { db, now: () => new Date(), channels: fanOut ? [...fanOut.channels.keys()] : [], logger });
  defineOpinionCollectJob(queue.agenda, { db, now: () => new Date(), logger, ...opinion });
  await queue.start();
  if (queue.takesJobs) {
    if (fanOut) await scheduleOutboxSweep(queue.agenda);
    await scheduleCallbackMaintenance(queue.agenda);
    await scheduleOpinionWatch(queue.agenda);
    await scheduleOpinionCollect(queue.agenda, opinion?.everyMinutes);
  }
  return queue;
}
