import type { Connection } from 'mongoose';
import { setDeliveryStatus } from './events.ts';
import { pendingTemplateResults, seenPushes } from './store.ts';

/**
 * Seen-push keys only need to outlive WeChat's retries (3 deliveries within about 15 s); a day
 * leaves room for clock trouble. FerretDB 1.x has no TTL indexes, so a job deletes them.
 */
export const SEEN_KEEP_MS = 24 * 60 * 60_000;
/** How long a result for an unknown msgid waits for its delivery record. */
export const PENDING_RESULT_KEEP_MS = 24 * 60 * 60_000;

export interface MaintenanceDeps {
  db: Connection;
  now: () => Date;
}

/** Applies job-finish results that arrived before their delivery's msgid was stored; drops old ones. */
export async function applyPendingTemplateResults({ db, now }: MaintenanceDeps): Promise<number> {
  const pending = pendingTemplateResults(db);
  let applied = 0;
  for (const result of await pending.find({}).limit(10_000).toArray()) {
    if (await setDeliveryStatus(db, result._id, result.deliveryStatus, result.at)) {
      await pending.deleteOne({ _id: result._id });
      applied++;
    }
  }
  await pending.deleteMany({ at: { $lt: new Date(now().getTime() - PENDING_RESULT_KEEP_MS) } });
  return applied;
}

/** Deletes seen-push keys older than SEEN_KEEP_MS. */
export async function pruneSeenPushes({ db, now }: MaintenanceDeps): Promise<number> {
  return (await seenPushes(db).deleteMany({ at: { $lt: new Date(now().getTime() - SEEN_KEEP_MS) } })).deletedCount;
}
