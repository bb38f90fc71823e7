/** Times as press officers read them: China Standard Time (no DST), whatever the server's zone. */
const CST_OFFSET_MS = 8 * 3600 * 1000;

export { chinaDay, daySpan, lastDays } from '../../../core/opinion/days.ts';

/** `YYYY-MM-DD HH:mm` in China Standard Time. */
export function chinaTime(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

export interface Clock {
  overdue: boolean;
  /** 剩余 x 小时 / 已超时 x 小时. */
  text: string;
}

/** Time left until `due` (or past it), in hours with one decimal under ten hours. */
export function clockText(due: Date, now: Date): Clock {
  const hours = Math.abs(due.getTime() - now.getTime()) / 3_600_000;
  const shown = hours < 10 ? String(Math.floor(hours * 10) / 10) : String(Math.floor(hours));
  const overdue = due.getTime() <= now.getTime();
  return { overdue, text: overdue ? `已超时 ${shown} 小时` : `剩余 ${shown} 小时` };
}
