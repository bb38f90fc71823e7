import { todayInChina } from '../../../core/calendar/due-date.ts';
import type { ClosingItem } from '../../../core/read-model/types.ts';
import { html, type SafeHtml } from '../../render/html.ts';
import { detailPath } from './disclosure-page.ts';
import { isoChina } from './format.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const CHINA_OFFSET_MS = 8 * HOUR_MS;
const WEEKDAYS = '日一二三四五六';

/** Days the home page's 本周截止 looks ahead: today (China time) and the six days after it. */
export const CLOSING_DAYS = 7;

/**
 * The home page's window: from the start of this hour (a deadline at 09:30 stays listed until
 * 10:00, with its time shown) to the end of the sixth day after today, China time. The page is
 * cached per China hour, the key returned here.
 */
export function closingWindow(now: Date): { from: Date; to: Date; key: string; today: string } {
  const today = todayInChina(now);
  const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS; // China is a whole number of hours from UTC
  const to = Date.parse(`${today}T00:00:00+08:00`) + CLOSING_DAYS * DAY_MS;
  return { from: new Date(hour), to: new Date(to), key: new Date(hour + CHINA_OFFSET_MS).toISOString().slice(0, 13), today };
}

/** The China day of a moment, YYYY-MM-DD. */
const chinaDayOf = (at: Date) => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/** A closing date (a `date`) closes at 23:59:59.999 China time; anything else is a moment. */
export const closesAllDay = (at: Date) => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(11) === '23:59:59.999Z';

/** Whole China days from today to the closing day: 0 today, 1 tomorrow. */
export function daysLeft(today: string, at: Date): number {
  return Math.round((Date.parse(`${chinaDayOf(at)}T00:00:00+08:00`) - Date.parse(`${today}T00:00:00+08:00`)) / DAY_MS);
}

export const daysLeftText = (days: number) => (days <= 0 ? '今天截止' : `还剩${days}天`);

/** 12月5日（周六） 09:30, the time left out for a whole day. */
export function closingWhen(at: Date, allDay = closesAllDay(at), withYear = false): string {
  const d = new Date(at.getTime() + CHINA_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${withYear ? `${d.getUTCFullYear()}年` : ''}${d.getUTCMonth() + 1}月${d.getUTCDate()}日（周${WEEKDAYS[d.getUTCDay()]}）`;
  return allDay ? day : `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

const monthDay = (day: string) => `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;

/** The <time datetime> of a closing: the day for a whole day, else the moment. */
const machineTime = (at: Date, allDay = closesAllDay(at)) => (allDay ? chinaDayOf(at) : isoChina(at));

interface Summary {
  title?: string;
  agency?: { name: string };
  fieldName?: string;
  region?: string;
}

/** 本周截止: what falls due in the window, soonest first, each with what closes and the days left. */
export function closingSection(items: readonly ClosingItem[], today: string): SafeHtml {
  const last = chinaDayOf(new Date(Date.parse(`${today}T00:00:00+08:00`) + (CLOSING_DAYS - 1) * DAY_MS));
  return html`<section aria-labelledby="closing" class="closing-week"><h2 id="closing">本周截止</h2>
<p class="meta">今天起 ${CLOSING_DAYS} 天内（${monthDay(today)}至${monthDay(last)}）截止的公示期、报名期和投标、响应文件递交期限，按截止时间排列。</p>
${
  items.length
    ? html`<ol class="items">${items.map(({ item, closesAt, label }) => {
        const s = item as typeof item & Summary;
        const days = daysLeft(today, closesAt);
        return html`<li><a class="title" href="${detailPath(item.id)}">${s.title}</a>
<p class="closes"><span class="days${days <= 0 ? ' today' : ''}">${daysLeftText(days)}</span> ${label}：<time datetime="${machineTime(closesAt)}">${closingWhen(closesAt)}</time></p>
<p class="meta">${s.agency?.name} · ${s.fieldName} · 地区 ${s.region}</p></li>`;
      })}</ol>`
    : html`<p class="muted">未来 ${CLOSING_DAYS} 天内没有截止的公示期、报名期或递交期限。</p>`
}</section>`;
}

/**
 * The detail page's line: what closes and when. No days left: the page's rendering is kept until
 * the closing passes, across midnights.
 */
export function closingNote(closing: { at: Date; label: string; allDay: boolean }): SafeHtml {
  return html`<p class="closes detail"><strong>${closing.label}：<time datetime="${machineTime(closing.at, closing.allDay)}">${closingWhen(closing.at, closing.allDay, true)}</time></strong></p>`;
}
