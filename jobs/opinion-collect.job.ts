import type { Agenda } from 'agenda';
import { collectAllReactions, type CollectAllDeps } from '../core/opinion/collect/collect-all.ts';

export const OPINION_COLLECT_JOB = 'opinion-collect';

/** Weibo asks clients to poll no faster than every 3–5 minutes (reference notes §2). */
export const DEFAULT_COLLECT_EVERY_MINUTES = 5;

/**
 * Collects public reactions from Weibo, the official account's inbox and mini-program feedback.
 * Every step is an insert keyed by the reaction's source id, with cursors saved after the insert,
 * so a run that overlaps another or dies half-way does no harm: the next one picks up.
 */
export function defineOpinionCollectJob(agenda: Agenda, deps: CollectAllDeps): void {
  agenda.define(OPINION_COLLECT_JOB, async () => {
    await collectAllReactions(deps);
  });
}

export async function scheduleOpinionCollect(agenda: Agenda, everyMinutes = DEFAULT_COLLECT_EVERY_MINUTES): Promise<void> {
  await agenda.every(`${everyMinutes} minutes`, OPINION_COLLECT_JOB, undefined, { skipImmediate: true });
}
