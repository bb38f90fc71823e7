import type { Connection } from 'mongoose';
import type { WatchdogReport } from '../opinion/watchdog.ts';
import { chinaTime } from '../opinion/tasks.ts';
import { opinionAlertCollection } from '../models/opinion-alert.model.ts';
import { responseTaskCollection, type ResponseTaskRecord } from '../models/response-task.model.ts';
import type { StaffAlertEventKind } from './target-input.ts';

const HOUR_MS = 3_600_000;
/** Alerts opened within this look-back are still news to the officers on duty. */
const SPIKE_LOOKBACK_MS = 24 * HOUR_MS;
/**
 * A task is "nearing its deadline" once a quarter of its clock is left: 75 minutes of a major
 * incident's 5-hour first response (time to draft and clear a statement), 6 hours of its 24-hour
 * press conference, and 12 hours of an ordinary 48-hour response (a working day's warning).
 * A share scales with the legal clock; a fixed number of hours would be either too late for the
 * 48-hour clock or more than half of the 5-hour one.
 */
export const NEARING_SHARE = 0.25;

/** Something the officers on duty must hear about, with an id that names it for good. */
export interface StaffAlertEvent {
  /** `spike:<alert>`, `task-due:<task>:<response|conference>`, `watchdog:<agency>:silent:<channel>:<last post>`, `watchdog:<agency>:unanswered:<China day>`. */
  id: string;
  kind: StaffAlertEventKind;
  agencyCode: string;
  at: Date;
  /** Short label (≤ 5 Chinese characters, so it fits any template key). */
  label: string;
  title: string;
  lines: string[];
  /** Path on PUBLIC_BASE_URL where the officer acts. */
  path: string;
}

const LEVEL = { major: '重大舆情', normal: '一般舆情' } as const;
const CHANNEL_NAMES: Record<string, string> = { 'wechat-oa': '微信公众号', 'wechat-mp': '微信小程序', weibo: '政务微博', webhook: '对接平台推送' };

function remaining(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes < 120 ? `${minutes} 分钟` : `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分钟`;
}

/**
 * Spike alerts of the last day that nobody has taken up yet (still `open`: not dismissed, no task),
 * so a target configured after an alert opened still hears of it, and one whose notice is waiting
 * for a retry stops once someone is on it. Counts and shares only: an alert holds no reaction text.
 */
export async function spikeEvents(db: Connection, now: Date): Promise<StaffAlertEvent[]> {
  const alerts = await opinionAlertCollection(db).find({ status: 'open', openedAt: { $gte: new Date(now.getTime() - SPIKE_LOOKBACK_MS) } }).toArray();
  return alerts.map((alert) => ({
    id: `spike:${alert._id}`,
    kind: 'spike' as const,
    agencyCode: alert.agencyCode,
    at: alert.openedAt,
    label: '舆情预警',
    title: alert.scope === 'disclosure' ? '一条公开信息的公众反应出现异常' : '本机关公众反应出现异常',
    lines: [alert.reason, `统计时段：${chinaTime(alert.windowStart)} 至 ${chinaTime(alert.windowEnd)}`],
    // The console's alert list: where the alert is acknowledged, dismissed or turned into a task.
    path: '/console/opinion/alerts',
  }));
}

/** Unanswered tasks with a quarter or less of a clock left (and that clock not yet run out). */
export function nearingDeadlines(task: ResponseTaskRecord, now: Date): StaffAlertEvent[] {
  const events: StaffAlertEvent[] = [];
  const clocks: { which: 'response' | 'conference'; due: Date; running: boolean; what: string }[] = [
    { which: 'response', due: task.dueAt, running: task.status === 'open' || task.status === 'acknowledged', what: '首次回应' },
    ...(task.level === 'major' && task.conferenceDueAt ? [{ which: 'conference' as const, due: task.conferenceDueAt, running: task.status !== 'closed', what: '召开新闻发布会' }] : []),
  ];
  for (const clock of clocks) {
    const left = clock.due.getTime() - now.getTime();
    const length = clock.due.getTime() - task.openedAt.getTime();
    if (!clock.running || left <= 0 || left > length * NEARING_SHARE) continue;
    events.push({
      id: `task-due:${task._id}:${clock.which}`,
      kind: 'task-due',
      agencyCode: task.agencyCode,
      at: new Date(clock.due.getTime() - length * NEARING_SHARE),
      label: '时限提醒',
      title: `${LEVEL[task.level]}回应任务即将到期`,
      lines: [`应于 ${chinaTime(clock.due)} 前${clock.what}，剩余约 ${remaining(left)}`, `责任人：${task.owner}`],
      path: `/console/opinion/tasks/${encodeURIComponent(task._id)}`,
    });
  }
  return events;
}

export async function taskDueEvents(db: Connection, now: Date): Promise<StaffAlertEvent[]> {
  const tasks = await responseTaskCollection(db).find({ status: { $in: ['open', 'acknowledged', 'responded'] } }).toArray();
  return tasks.flatMap((task) => nearingDeadlines(task, now));
}

/**
 * The watchdog's findings: each channel gone silent (once per silence: the id carries its last
 * post), and follower messages left unanswered (at most once a China day, as a count: their text is
 * the public's and stays in the console).
 */
export function watchdogEvents(report: WatchdogReport, now: Date): StaffAlertEvent[] {
  const events: StaffAlertEvent[] = report.channels
    .filter((c) => c.flagged)
    .map((c) => ({
      id: `watchdog:${report.agencyCode}:silent:${c.channel}:${c.lastPostAt ? c.lastPostAt.toISOString() : 'never'}`,
      kind: 'watchdog' as const,
      agencyCode: report.agencyCode,
      at: now,
      label: '巡检提醒',
      title: `${CHANNEL_NAMES[c.channel] ?? c.channel}长期未更新`,
      lines: [c.reason ?? `超过 ${report.channelSilentDays} 天未发布`],
      path: '/console/opinion/alerts',
    }));
  if (report.unansweredCount) {
    const day = new Date(now.getTime() + 8 * HOUR_MS).toISOString().slice(0, 10);
    events.push({
      id: `watchdog:${report.agencyCode}:unanswered:${day}`,
      kind: 'watchdog',
      agencyCode: report.agencyCode,
      at: now,
      label: '巡检提醒',
      title: '公众号留言未及时答复',
      lines: [`${report.unansweredCount} 条公众号留言超过 ${report.replyHours} 小时未答复`],
      path: '/console/opinion/alerts',
    });
  }
  return events;
}
