import './opinion.css';
import { ref } from 'vue';
import { api } from './api.ts';

/** The press API's records as the console reads them (api/routes/opinion.routes.ts). */
export interface Alert {
  id: string;
  scope: 'disclosure' | 'agency';
  disclosureId?: string;
  windowStart: string;
  windowEnd: string;
  volume: number;
  negativeShare: number;
  baseline: { volume: number; negativeShare: number; windows: number };
  reason: string;
  status: 'open' | 'tasked' | 'dismissed';
  openedAt: string;
  taskId?: string;
  dismissedAt?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
}

export interface TaskEvent {
  action: string;
  at: string;
  by: string;
  note?: string;
}

export interface Task {
  id: string;
  alertId?: string;
  disclosureId?: string;
  level: 'major' | 'normal';
  owner: string;
  status: 'open' | 'acknowledged' | 'responded' | 'closed' | 'dismissed';
  openedAt: string;
  dueAt: string;
  conferenceDueAt?: string;
  acknowledgedAt?: string;
  respondedAt?: string;
  closedAt?: string;
  dismissedAt?: string;
  escalatedAt?: string;
  response?: { text: string; weiboCommentId?: string; disclosureId?: string };
  events: TaskEvent[];
}

export const ALERT_STATUS_NAMES: Record<string, string> = { open: '待处理', tasked: '已转任务', dismissed: '已忽略' };
export const TASK_STATUS_NAMES: Record<string, string> = { open: '待接收', acknowledged: '已接收', responded: '已回应', closed: '已关闭', dismissed: '已撤销' };
export const LEVEL_NAMES: Record<string, string> = { major: '重大舆情', normal: '一般舆情' };
export const LEVEL_HINTS: Record<string, string> = { major: '5 小时内首次回应，24 小时内召开新闻发布会', normal: '48 小时内回应' };
export const EVENT_NAMES: Record<string, string> = { open: '创建', acknowledge: '确认接收', respond: '回应', close: '关闭', dismiss: '撤销', escalate: '超时升级', reassign: '转派' };
export const SOURCE_NAMES: Record<string, string> = {
  'weibo-comment': '微博评论',
  'weibo-repost': '微博转发',
  'weibo-mention': '微博提及',
  'wechat-oa': '公众号留言',
  miniprogram: '小程序反馈',
  manual: '人工录入',
};
export const LABEL_NAMES: Record<string, string> = { neg: '负面', neu: '中性', pos: '正面' };

const HOUR_MS = 3_600_000;

/** `2026-11-20 14:00`, China Standard Time, as the /press pages and the API's messages write it. */
export function chinaTime(at: string | Date): string {
  return new Date(new Date(at).getTime() + 8 * HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
}

export const percent = (share: number) => `${Math.round(share * 100)}%`;

function span(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days) return `${days} 天 ${hours} 小时`;
  return hours ? `${hours} 小时 ${minutes % 60} 分` : `${minutes} 分钟`;
}

/** A response clock in hours and minutes (the 5-hour clock is too short for days): overdue in red. */
export function clockLeft(due: string, now: Date): { text: string; className: string; overdue: boolean } {
  const left = new Date(due).getTime() - now.getTime();
  if (left <= 0) return { text: `已超时 ${span(-left)}`, className: 'overdue', overdue: true };
  return { text: `剩 ${span(left)}`, className: left < 2 * HOUR_MS ? 'soon' : '', overdue: false };
}

/** A task's running clocks: the first response until it is answered, the conference until it is closed (none once dismissed). */
export function runningClocks(task: Task): { label: string; due: string }[] {
  const clocks: { label: string; due: string }[] = [];
  if (task.status === 'open' || task.status === 'acknowledged') clocks.push({ label: '首次回应', due: task.dueAt });
  if (task.conferenceDueAt && task.status !== 'closed' && task.status !== 'dismissed') clocks.push({ label: '新闻发布会', due: task.conferenceDueAt });
  return clocks;
}

/** A minute's tick, so time left counts down while the page is open. */
export function useNow() {
  const now = ref(new Date());
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    now,
    start: () => (timer = setInterval(() => (now.value = new Date()), 60_000)),
    stop: () => clearInterval(timer),
  };
}

/** Titles of the agency's disclosures by id (alerts and tasks name them by id), fetched once each. */
export const titles = ref<Record<string, string>>({});
export function fetchTitles(ids: (string | undefined)[]): void {
  for (const id of new Set(ids.filter((x): x is string => Boolean(x)))) {
    if (id in titles.value) continue;
    titles.value[id] = '';
    api<{ title: string }>('GET', `/api/v1/agency/disclosures/${id}`)
      .then((d) => (titles.value[id] = d.title))
      .catch(() => undefined);
  }
}

export const taskPath = (id: string) => `/opinion/tasks/${encodeURIComponent(id)}`;
export const enc = encodeURIComponent;

/** `staff:wang` → `wang`; an API key's id stays as it is. */
export const actorName = (by: string) => (by === 'system' ? '系统' : by.replace(/^staff:/, ''));

/** Closed or dismissed: nothing more to do. */
export const finished = (task: Task) => task.status === 'closed' || task.status === 'dismissed';
