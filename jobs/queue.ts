import { randomBytes } from 'node:crypto';
import { MongoBackend } from '@agendajs/mongo-backend';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agenda, InMemoryNotificationChannel, type Job, type JobRepository } from 'agenda';
import { ObjectId, type Db } from 'mongodb';
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
  /** Stops taking jobs, hands back the ones not started, and waits up to graceMs for the running ones. */
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
    // Unique across hosts (containers often share a pid): stop() hands back the locks by this name.
    name: `gongkai-${role}-${process.pid}-${randomBytes(4).toString('hex')}`,
    processEvery: pollMs,
    defaultLockLifetime: 10 * 60_000,
    ...(role === 'all' ? { notificationChannel: new InMemoryNotificationChannel() } : {}),
  });
  // Without a listener an 'error' event would crash the process; a lost database is
  // reported by /readyz and the queue resumes when it returns.
  agenda.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  agenda.on('fail', (error, job) => logger.warn({ err: error, job: job.attrs.name }, 'job failed'));

  const locks = guardLocks(agenda.db);

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
      // stop() waits on agenda's own list of running jobs: an upgrade that moves it fails here.
      if (!Array.isArray(jobProcessor(agenda)?.runningJobs)) {
        throw new Error('agenda keeps no runningJobs list on its job processor: check graceful stop against this agenda version');
      }
      processing = true;
    },
    async stop(graceMs) {
      if (!processing) return;
      processing = false;
      await locks.close();
      const running = runningJobs(agenda);
      // stop(), unlike drain(), starts nothing more and leaves the running jobs to finish.
      await agenda.stop(false);
      const deadline = Date.now() + graceMs;
      while (running().length && Date.now() < deadline) await sleep(STOP_POLL_MS);
      if (running().length) logger.warn({ running: running().length }, 'jobs still running at shutdown; their locks expire');
      // Jobs locked here but not run go back now, rather than when their lock lifetime ends.
      await db
        .collection('jobs')
        .updateMany(
          { lastModifiedBy: agenda.attrs.name, lockedAt: { $ne: null }, _id: { $nin: running().map((job) => new ObjectId(String(job.attrs._id))) } },
          { $unset: { lockedAt: '' } },
        )
        .catch((error: unknown) => logger.warn({ err: error }, 'could not hand back job locks at shutdown; they expire'));
    },
  };
}

const STOP_POLL_MS = 50;

/**
 * The jobs agenda's processor is running, read before stop() drops the processor. A job is in
 * this list from the moment it is taken off the local queue; its 'start' event comes only after a
 * database write, so a stop in between would not wait for a job that then runs, and takes a
 * fan-out lease, while the process closes its database and exits.
 */
function runningJobs(agenda: Agenda): () => readonly Job[] {
  const processor = jobProcessor(agenda);
  return () => processor?.runningJobs ?? [];
}

/** agenda's processor, private in its types; start() checks that it still has `runningJobs`. */
const jobProcessor = (agenda: Agenda) => (agenda as unknown as { jobProcessor?: { runningJobs?: Job[] } }).jobProcessor;

/**
 * agenda goes on locking jobs after stop() while a queue fill is under way (the fill recurses
 * for as long as it finds one) and then never runs them, so they would wait out their lock
 * lifetime. Once closed, this process locks nothing more; close() waits for the locks in flight.
 */
function guardLocks(repository: JobRepository) {
  const lockNext = repository.getNextJobToRun.bind(repository);
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  repository.getNextJobToRun = (...args) => {
    if (closed) return Promise.resolve(undefined);
    const lock = lockNext(...args);
    inFlight.add(lock);
    void lock.finally(() => inFlight.delete(lock)).catch(() => undefined);
    return lock;
  };
  return {
    close: async () => {
      closed = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
