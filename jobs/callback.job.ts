import type { Agenda } from 'agenda';
import { applyPendingTemplateResults, pruneSeenPushes, type MaintenanceDeps } from '../core/wechat-callback/maintenance.ts';

export const CALLBACK_MAINTENANCE_JOB = 'wechat-callback-maintenance';

/**
 * Often enough that a template result which beat its msgid to the database shows up within
 * minutes; each run is two small queries when there is nothing to do.
 */
const MAINTENANCE_EVERY = '5 minutes';

/**
 * Housekeeping for the official-account callback: applies job-finish results that arrived
 * before their delivery's msgid was stored, and deletes old dedupe keys (FerretDB 1.x has no
 * TTL indexes). Both steps are idempotent, so overlapping runs do no harm.
 */
export function defineCallbackJobs(agenda: Agenda, deps: MaintenanceDeps): void {
  agenda.define(CALLBACK_MAINTENANCE_JOB, async () => {
    await applyPendingTemplateResults(deps);
    await pruneSeenPushes(deps);
  });
}

export async function scheduleCallbackMaintenance(agenda: Agenda): Promise<void> {
  await agenda.every(MAINTENANCE_EVERY, CALLBACK_MAINTENANCE_JOB, undefined, { skipImmediate: true });
}
