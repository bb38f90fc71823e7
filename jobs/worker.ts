import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { JOB_GROUPS, type JobGroup } from '../core/config.ts';
import type { FanOutDeps } from '../core/fanout/deps.ts';
import type { OpinionCollectOptions } from '../core/opinion/collect/wiring.ts';
import type { ReadModel } from '../core/read-model/types.ts';
import type { StaffAlertWiring } from '../core/staff-alerts/senders.ts';
import { defineFanOutJobs, retireOutboxSweep } from './fan-out.job.ts';
import { createQueue, type ProcessRole, type Queue } from './queue.ts';

export interface WorkerDeps {
  db: Connection;
  role: ProcessRole;
  pollMs: number;
  logger: Logger;
  /** The job groups this process defines and runs (WORKER_JOBS); all by default. */
  groups?: readonly JobGroup[];
  /** The fan-out engine's dependencies; without them this process runs no delivery jobs. */
  fanOut?: FanOutDeps;
  /** Reaction collection (core/opinion/collect/wiring.ts); without it only mini-program feedback is collected. */
  opinion?: OpinionCollectOptions;
  /** Lists of disclosures for the opinion jobs (which item a text names, channels gone silent). */
  readModel?: ReadModel;
  /** Staff alert targets' wiring for the opinion watch; absent: nobody is notified. */
  staffAlerts?: StaffAlertWiring;
}

/**
 * Every job this service runs is defined here, so API and worker processes agree on names.
 * In the `api` role the queue only enqueues.
 *
 * The opinion and callback jobs are imported only when their group runs: they bring the sentiment
 * model and jieba's dictionary (about 40 MB), which a delivery-only worker has no use for.
 */
export async function startQueue({ db, role, pollMs, logger, groups = JOB_GROUPS, fanOut, opinion, readModel, staffAlerts }: WorkerDeps): Promise<Queue> {
  if (!db.db) throw new Error('database connection is not open');
  const runs = new Set(groups);
  const queue = createQueue({ db: db.db, role, pollMs, logger: logger.child({ module: 'jobs' }) });
  const fanOutJobs = runs.has('fanout') ? fanOut : undefined;
  if (fanOutJobs) defineFanOutJobs(queue.agenda, fanOutJobs);
  // The callback jobs run pushes' deferred tasks, whose subscription commands segment text (jieba).
  const callbacks = runs.has('callbacks') ? await import('./callback.job.ts') : undefined;
  callbacks?.defineCallbackJobs(queue.agenda, { db, now: () => new Date(), logger: logger.child({ module: 'wechat-oa-callback' }) });
  const [watch, collect] = runs.has('opinion')
    ? await Promise.all([import('./opinion-watch.job.ts'), import('./opinion-collect.job.ts')])
    : [];
  if (watch && collect) {
    watch.defineOpinionWatchJob(queue.agenda, { db, readModel, now: () => new Date(), channels: fanOut ? [...fanOut.channels.keys()] : [], logger, ...(staffAlerts ? { staffAlerts } : {}) });
    collect.defineOpinionCollectJob(queue.agenda, { db, now: () => new Date(), logger, readModel, ...opinion });
  }
  await queue.start();
  if (queue.takesJobs) {
    if (fanOutJobs) await retireOutboxSweep(queue.agenda);
    if (callbacks) await callbacks.scheduleCallbackMaintenance(queue.agenda);
    if (watch && collect) {
      await watch.scheduleOpinionWatch(queue.agenda);
      await collect.scheduleOpinionCollect(queue.agenda, opinion?.everyMinutes);
    }
  }
  return queue;
}
