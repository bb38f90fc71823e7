import type { Connection } from 'mongoose';
import { setDeliveryStatus } from './events.ts';
import { setMassResult, settleWithoutMsgId } from './job-results.ts';
import { pendingMassResults, pendingTemplateResults, seenPushes } from './store.ts';

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

/** Applies job-finish results (template and mass) that arrived before their delivery's msgid was stored, and MsgID-0 results once they fit one delivery; drops old ones. */
export async function applyPendingTemplateResults({ db, now }: MaintenanceDeps): Promise<number> {
  const pending = pendingTemplateResults(db);
  let applied = 0;
  const expired = new Date(now().getTime() - PENDING_RESULT_KEEP_MS);
  for (const result of await pending.find({}).limit(10_000).toArray()) {
    if (result.openid && result.finishedAt) {
      // MsgID 0: by follower and time, once the sends around it can be told apart; unmatched when it never fits.
      const follower = result._id.split(':')[1] ?? '';
      const settled = await settleWithoutMsgId(db, result.openid, follower, result.finishedAt, result.deliveryStatus, now(), result.at < expired);
      if (settled !== 'wait') await pending.deleteOne({ _id: result._id });
      if (settled === 'applied') applied++;
    } else if (await setDeliveryStatus(db, result._id, result.deliveryStatus, result.at)) {
      await pending.deleteOne({ _id: result._id });
      applied++;
    }
  }
  await pending.deleteMany({ at: { $lt: expired } });
  for (const result of await pendingMassResults(db).find({}).limit(10_000).toArray()) {
    const { _id, ...counts } = result;
    if (await setMassResult(db, _id, counts)) {
      await pendingMassResults(db).deleteOne({ _id });
      applied++;
    }
  }
  await pendingMassResults(db).deleteMany({ at: { $lt: expired } });
  return applied;
}

/** Deletes seen-push keys older than SEEN_KEEP_MS. */
export async function pruneSeenPushes({ db, now }: MaintenanceDeps): Promise<number> {
  return (await seenPushes(db).deleteMany({ at: { $lt: new Date(now().getTime() - SEEN_KEEP_MS) } })).deletedCount;
}
