import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { ReadModel } from '../core/read-model/types.ts';
import type { Logger } from 'pino';
import type { ChannelId } from '../channels/types.ts';
import { agencyModel } from '../core/models/agency.model.ts';
import { detectSpikes } from '../core/opinion/spikes.ts';
import { escalateOverdueTasks } from '../core/opinion/tasks.ts';
import { watchdog } from '../core/opinion/watchdog.ts';
import { spikeEvents, taskDueEvents, watchdogEvents, type StaffAlertEvent } from '../core/staff-alerts/events.ts';
import { notifyStaff, type NotifyResult } from '../core/staff-alerts/notify.ts';
import type { StaffAlertWiring } from '../core/staff-alerts/senders.ts';

export const OPINION_WATCH_JOB = 'opinion-watch';

/** Often enough that a 5-hour clock is escalated within minutes of running out. */
const WATCH_EVERY = '5 minutes';

export interface OpinionWatchDeps {
  db: Connection;
  /** The channels' silence check lists recent disclosures; without a read model it is skipped. */
  readModel?: ReadModel;
  now: () => Date;
  /** The channels this deployment delivers to (the watchdog flags silent ones). */
  channels: readonly ChannelId[];
  logger?: Logger;
  /** Staff alert targets' wiring (keys, sandbox, links); absent: nobody is notified. */
  staffAlerts?: StaffAlertWiring;
}

export interface OpinionWatchResult {
  alertsOpened: string[];
  tasksEscalated: string[];
  watchdog: { agencyCode: string; silentChannels: ChannelId[]; unanswered: number }[];
  /** What the staff alert targets were told this run (notice ids). */
  notified: NotifyResult;
}

/**
 * One pass of the public-opinion watch: open alerts for spikes, escalate overdue response
 * tasks, and check every agency's channels and follower messages. Every step decides by
 * unique inserts, so overlapping runs (several workers, a run that outlived its lock) open
 * each alert and escalate each task once.
 */
export async function runOpinionWatch(deps: OpinionWatchDeps): Promise<OpinionWatchResult> {
  const now = deps.now();
  const alerts = await detectSpikes(deps.db, now);
  const escalated = await escalateOverdueTasks(deps.db, now);
  const agencies = (await agencyModel(deps.db).find({}, { code: 1 }).lean()).map((a) => a.code);
  const checks: OpinionWatchResult['watchdog'] = [];
  const findings: StaffAlertEvent[] = [];
  for (const agencyCode of deps.readModel ? agencies : []) {
    const report = await watchdog(deps.db, deps.readModel!, agencyCode, deps.channels, now);
    const silentChannels = report.channels.filter((c) => c.flagged).map((c) => c.channel);
    if (silentChannels.length || report.unansweredCount) checks.push({ agencyCode, silentChannels, unanswered: report.unansweredCount });
    findings.push(...watchdogEvents(report, now));
  }
  // Events are read back from their records (not only this run's), so a run that died after opening
  // an alert still has it notified by the next one; each notice's own _id keeps it to one.
  const notified = deps.staffAlerts
    ? await notifyStaff(deps.db, deps.staffAlerts, async () => [...(await spikeEvents(deps.db, now)), ...(await taskDueEvents(deps.db, now)), ...findings], now, deps.logger)
    : { sent: [], retrying: [], failed: [] };
  const result = { alertsOpened: alerts.map((a) => a._id), tasksEscalated: escalated.map((t) => t._id), watchdog: checks, notified };
  if (alerts.length || escalated.length) deps.logger?.warn({ alerts: result.alertsOpened, escalated: result.tasksEscalated }, 'public opinion needs attention');
  if (checks.length) deps.logger?.info({ watchdog: checks }, 'opinion watchdog flags');
  return result;
}

export function defineOpinionWatchJob(agenda: Agenda, deps: OpinionWatchDeps): void {
  agenda.define(OPINION_WATCH_JOB, async () => {
    await runOpinionWatch(deps);
  });
}

export async function scheduleOpinionWatch(agenda: Agenda): Promise<void> {
  await agenda.every(WATCH_EVERY, OPINION_WATCH_JOB, undefined, { skipImmediate: true });
}
