import type { Collection } from 'mongodb';
import type { Connection, Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';
import { subscriberKeys } from '../subscriptions/subscriber-keys.ts';
import { handleAcknowledged } from './handle-push.ts';
import { recordMassResult, recordTemplateResult, type PushSender } from './job-results.ts';
import { seenPushes } from './store.ts';
import type { PushFields } from './xml.ts';

/**
 * Work a push causes that its reply does not depend on, and that needs more than `_id` lookups:
 * done after the reply, so WeChat's 5 s deadline holds however many pushes arrive at once.
 *
 * A task is stored (one insert, `_id` = the push's dedupe key, so WeChat's retries store it once)
 * before the push is answered, run by this process right after, one at a time so it does not
 * crowd out the replies, and deleted when done. What a crash leaves behind is run by the callback
 * maintenance job (jobs/callback.job.ts). Every task is idempotent: running one twice is harmless.
 */
export type CallbackTask = { _id: string; at: Date } & (
  | {
      /** A push acknowledged while many arrived at once, stored whole: handled here, as the callback would have. */
      kind: 'push';
      appId: string;
      push: PushFields;
    }
  | {
      /** 退订: delete the follower's subscriptions the key's list missed (made before `at`). */
      kind: 'sweep-cancelled';
      subscriberId: Types.ObjectId;
      /** The follower's key (`<appId>:<openid>`), whose list names what to spare. */
      keyId: string;
    }
  | {
      /** Unfollowed: switch off the follower's subscriptions the key's list missed. */
      kind: 'sweep-unfollowed';
      subscriberId: Types.ObjectId;
      keyId: string;
    }
  | {
      /** TEMPLATESENDJOBFINISH: set the delivery's outcome (its lookup by msgid scans `deliveries`). */
      kind: 'template-result';
      msgId?: string;
      status?: string;
      /** Who the push came from and when: finds the delivery when MsgID is 0 (job-results.ts). */
      sender?: PushSender;
    }
  | {
      /** MASSSENDJOBFINISH: the broadcast's counts on its delivery record (found by msg_id, a scan). */
      kind: 'mass-result';
      push: Record<string, string>;
    }
);

/** A task without its `_id` and time, which the push handler adds. */
export type CallbackTaskFields = CallbackTask extends infer T ? (T extends CallbackTask ? Omit<T, '_id' | 'at'> : never) : never;

export const callbackTasks = (db: Connection) => db.collection('wechat_callback_tasks') as unknown as Collection<CallbackTask>;

export interface TaskDeps {
  db: Connection;
  now: () => Date;
  logger: Logger;
  /** openid → pseudonym for the log lines of acknowledged pushes; the callback route passes its own. */
  pseudonym?: (openid: string) => string;
  /**
   * Resolves when the callback has no push waiting for its reply (or after a bounded wait): the
   * runner goes between bursts, since its writes queue for the same SQLite writer as the replies'.
   */
  quiet?: () => Promise<void>;
}

/**
 * Runs tasks, sweeps together: one read of `subscriptions` for all of them (a scan on FerretDB
 * 1.x, but a read, which does not hold SQLite's write lock the way a filtered deleteMany or
 * updateMany does while it scans), then writes by `_id` for what it found, usually nothing.
 * A sweep spares what the follower has listed now and anything changed after `at`: what they
 * subscribed to after 退订 or after following again.
 */
export async function runCallbackTasks(deps: TaskDeps, tasks: CallbackTask[]): Promise<void> {
  // Acknowledged pushes first, in the order they came; what they leave for later joins this round.
  const acknowledged = tasks.filter((t): t is Extract<CallbackTask, { kind: 'push' }> => t.kind === 'push');
  if (acknowledged.length) {
    const later: CallbackTask[] = [];
    for (const task of acknowledged) {
      await deps.quiet?.();
      const pseudonym = deps.pseudonym ?? (() => 'acknowledged');
      const left = await handleAcknowledged({ db: deps.db, appId: task.appId, now: deps.now, logger: deps.logger, pseudonym }, task.push);
      if (left) later.push({ ...left, _id: `${task._id}#later`, at: task.at } as CallbackTask);
    }
    await runCallbackTasks(deps, [...tasks.filter((t) => t.kind !== 'push'), ...later]);
    return;
  }
  for (const task of tasks) {
    // `sender` finds the delivery of a MsgID-0 result; mass results carry a broadcast's counts (job-results.ts).
    if (task.kind === 'template-result') await recordTemplateResult(deps, task.msgId, task.status, task.sender);
    if (task.kind === 'mass-result') await recordMassResult(deps, task.push);
  }
  const sweeps = tasks.filter((t): t is Extract<CallbackTask, { kind: 'sweep-cancelled' | 'sweep-unfollowed' }> => t.kind === 'sweep-cancelled' || t.kind === 'sweep-unfollowed');
  if (!sweeps.length) return;
  await deps.quiet?.();
  const subscriptions = subscriptionCollection(deps.db);
  const found = await subscriptions
    .find({ subscriberId: { $in: sweeps.map((t) => t.subscriberId) } }, { projection: { _id: 1, subscriberId: 1, active: 1, updatedAt: 1 } })
    .toArray();
  for (const task of sweeps) {
    const key = await subscriberKeys(deps.db).findOne({ _id: task.keyId });
    const spared = new Set((key?.oaSubscriptionIds ?? []).map((id) => id.toHexString()));
    const stale = found.filter(
      (s) => s.subscriberId.equals(task.subscriberId) && s.updatedAt <= task.at && !spared.has(s._id.toHexString()) && (task.kind === 'sweep-cancelled' || s.active),
    );
    for (const { _id } of stale) {
      // Read again by `_id` (a filter with more than `_id` would scan): it may have changed since.
      const current = await subscriptions.findOne({ _id });
      if (!current || current.updatedAt > task.at) continue;
      if (task.kind === 'sweep-cancelled') await subscriptions.deleteOne({ _id });
      else if (current.active) await subscriptions.updateOne({ _id }, { $set: { active: false, updatedAt: deps.now() } });
    }
  }
}

export interface CallbackTaskRunner {
  /** Stores the task (before the reply) and runs it soon after. */
  defer(task: CallbackTask): Promise<void>;
  /** Runs a task stored already: an acknowledged push, kept on its claim in `wechat_callback_seen`. */
  runStored(task: CallbackTask): void;
  /** Resolves once every task handed to this runner has been tried. */
  idle(): Promise<void>;
}

/** Done with a task: an acknowledged push leaves its claim (the dedupe key stays), any other task goes. */
const finished = (db: Connection, task: CallbackTask) =>
  task.kind === 'push' ? seenPushes(db).updateOne({ _id: task._id }, { $unset: { pending: '' } }) : callbackTasks(db).deleteOne({ _id: task._id });

/** One runner per process (the callback route makes one): tasks run one at a time, in order. */
export function callbackTaskRunner(deps: TaskDeps): CallbackTaskRunner {
  const queue: CallbackTask[] = [];
  let running: Promise<void> | undefined;
  const drain = async () => {
    // What arrived while the previous round ran goes in one round: one scan for many sweeps.
    for (let round = queue.splice(0); round.length; round = queue.splice(0)) {
      try {
        await runCallbackTasks(deps, round);
        for (const task of round) await finished(deps.db, task);
      } catch (error) {
        // Kept in the collection: the maintenance job tries them again.
        deps.logger.warn({ err: error, tasks: round.length }, 'callback tasks failed; the maintenance job retries them');
      }
    }
    running = undefined;
  };
  return {
    async defer(task) {
      try {
        await callbackTasks(deps.db).insertOne(task);
      } catch (error) {
        // WeChat's retry of a push whose first delivery stored the task but failed later.
        if (!isDuplicateKeyError(error)) throw error;
      }
      queue.push(task);
      running ??= drain();
    },
    runStored(task) {
      queue.push(task);
      running ??= drain();
    },
    async idle() {
      while (running) await running;
    },
  };
}

/** Tasks older than this are taken to have lost their process (its runner takes well under a second each). */
export const LEFTOVER_AFTER_MS = 2 * 60_000;

/** Runs the tasks a stopped process left; returns how many were done. */
export async function runLeftoverTasks(deps: TaskDeps): Promise<number> {
  const tasks = callbackTasks(deps.db);
  const cutoff = new Date(deps.now().getTime() - LEFTOVER_AFTER_MS);
  const pushes = (await seenPushes(deps.db).find({ pending: { $exists: true }, at: { $lt: cutoff } }).limit(1000).toArray()).map(
    ({ _id, at, pending }): CallbackTask => ({ _id, at, kind: 'push', appId: pending!.appId, push: pending!.push }),
  );
  const left = [...pushes, ...(await tasks.find({ at: { $lt: cutoff } }).limit(1000).toArray())];
  await runCallbackTasks(deps, left);
  for (const task of left) await finished(deps.db, task);
  return left.length;
}
