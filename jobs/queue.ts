import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda, InMemoryNotificationChannel } from 'agenda';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';

export type ProcessRole = 'all' | 'api' | 'worker';

export interface QueueOptions {
  db: Db;
  role: ProcessRole;
  /** How often a worker looks for due jobs that no local notification announced. */
  pollMs: number;
  logger: Logger;
}

/** Jobs due and not locked, by name: the backlog a scrape of /metrics reports. */
export async function queueDepth(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .collection('jobs')
    .aggregate<{ _id: string; n: number }>([
      { $match: { nextRunAt: { $lte: new Date() }, lockedAt: null } },
      { $group: { _id: '$name', n: { $sum: 1 } } },
    ])
    .toArray();
  return Object.fromEntries(rows.map((r) => [r._id, r.n]));
}

export interface Queue {
  readonly agenda: Agenda;
  /** True once this process takes jobs (roles `all` and `worker`). */
  readonly processing: boolean;
  readonly takesJobs: boolean;
  start(): Promise<void>;
  /** Stops taking jobs and waits up to graceMs for the ones in hand. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The agenda queue on the application's own database connection.
 * FerretDB has no change streams, so jobs are found by polling; in the single-process
 * role an in-memory channel wakes the worker as soon as the API enqueues.
 */
export function createQueue({ db, role, pollMs, logger }: QueueOptions): Queue {
  const takesJobs = role !== 'api';
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: db, collection: 'jobs' }),
    name: `gongkai-${role}-${process.pid}`,
    processEvery: pollMs,
    defaultLockLifetime: 10 * 60_000,
    ...(role === 'all' ? { notificationChannel: new InMemoryNotificationChannel() } : {}),
  });
  // Without a listener an 'error' event would crash the process; a lost database is
  // reported by /readyz and the queue resumes when it returns.
  agenda.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  agenda.on('fail', (error, job) => logger.warn({ err: error, job: job.attrs.name }, 'job failed'));

  let processing = false;
  return {
    agenda,
    get processing() {
      return processing;
    },
    takesJobs,
    async start() {
      await agenda.ready;
      if (!takesJobs) return;
      await agenda.start();
      processing = true;
    },
    async stop(graceMs) {
      if (!processing) return;
      processing = false;
      const result = await agenda.drain({ timeout: graceMs, closeConnection: false });
      if (result.timedOut) logger.warn({ running: result.running }, 'jobs still running at shutdown; their locks expire');
    },
  };
}
