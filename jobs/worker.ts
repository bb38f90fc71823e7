import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { defineJobs } from './definitions.ts';
import { createQueue, type ProcessRole, type Queue } from './queue.ts';

export interface WorkerDeps {
  db: Connection;
  role: ProcessRole;
  pollMs: number;
  logger: Logger;
}

/** Wires the real job definitions onto the queue; in the `api` role it only enqueues. */
export async function startQueue({ db, role, pollMs, logger }: WorkerDeps): Promise<Queue> {
  if (!db.db) throw new Error('database connection is not open');
  const queue = createQueue({ db: db.db, role, pollMs, logger: logger.child({ module: 'jobs' }) });
  defineJobs(queue.agenda, { db, logger });
  await queue.start();
  return queue;
}
