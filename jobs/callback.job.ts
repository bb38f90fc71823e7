import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import { backfillSubscriberKeys } from '../core/subscriptions/subscriber-keys.ts';
import { runLeftoverTasks } from '../core/wechat-callback/deferred.ts';
import { applyPendingTemplateResults, pruneSeenPushes, type MaintenanceDeps } from '../core/wechat-callback/maintenance.ts';

export const CALLBACK_MAINTENANCE_JOB = 'wechat-callback-maintenance';
/** Once per database: keys for the subscribers stored before keys existed (core/subscriptions/subscriber-keys.ts). */
export const SUBSCRIBER_KEYS_BACKFILL_JOB = 'subscriber-keys-backfill';

/**
 * Often enough that a template result which beat its msgid to the database shows up within
 * minutes; each run is two small queries when there is nothing to do.
 */
const MAINTENANCE_EVERY = '5 minutes';

/**
 * Housekeeping for the official-account callback: runs the tasks a stopped process left after
 * answering their pushes (deferred.ts), applies job-finish results that arrived before their
 * delivery's msgid was stored, and deletes old dedupe keys (FerretDB 1.x has no TTL indexes).
 * Every step is idempotent, so overlapping runs do no harm.
 */
export function defineCallbackJobs(agenda: Agenda, deps: MaintenanceDeps & { logger: Logger }): void {
  agenda.define(CALLBACK_MAINTENANCE_JOB, async () => {
    await runLeftoverTasks(deps);
    await applyPendingTemplateResults(deps);
    await pruneSeenPushes(deps);
  });
  agenda.define(SUBSCRIBER_KEYS_BACKFILL_JOB, async () => {
    const written = await backfillSubscriberKeys(deps.db);
    if (written) deps.logger.info({ written }, 'subscriber keys written for earlier subscribers');
    // One job a start: gone once done, so restarts leave none behind for every poll to decode.
  }, { removeOnComplete: true });
}

export async function scheduleCallbackMaintenance(agenda: Agenda): Promise<void> {
  await agenda.every(MAINTENANCE_EVERY, CALLBACK_MAINTENANCE_JOB, undefined, { skipImmediate: true });
  // Until it has run, a first contact looks for an earlier subscriber by scanning; after, by key.
  await agenda.now(SUBSCRIBER_KEYS_BACKFILL_JOB);
}
