import type { HotKeyword } from '../../../core/opinion/keywords.ts';
import type { OpinionAlertRecord } from '../../../core/models/opinion-alert.model.ts';
import type { ReactionRecord, ReactionSource } from '../../../core/models/reaction.model.ts';
import type { ResponseTaskRecord } from '../../../core/models/response-task.model.ts';
import { LABEL_NAMES } from './charts.ts';
import { html, type SafeHtml } from '../../render/html.ts';
import { chinaTime, clockText } from './time.ts';

export const SOURCE_NAMES: Record<ReactionSource, string> = {
  'weibo-comment': '微博评论',
  'weibo-repost': '微博转发',
  'weibo-mention': '微博提及',
  'wechat-oa': '公众号留言',
  miniprogram: '小程序反馈',
  manual: '人工录入',
};

const TASK_STATUS: Record<string, string> = { open: '待接收', acknowledged: '已接收', responded: '已回应', closed: '已关闭' };
const LEVELS: Record<string, string> = { major: '重大', normal: '一般' };

export function keywordList(keywords: readonly HotKeyword[]): SafeHtml {
  if (keywords.length === 0) return html`<p class="empty">暂无热词</p>`;
  return html`<ol class="keywords">${keywords.map((k) => html`<li data-weight="${k.weight}">${k.keyword}</li>`)}</ol>`;
}

function disclosureLink(id: string | undefined, titles: ReadonlyMap<string, string>): SafeHtml {
  if (!id) return html`本机关`;
  const title = titles.get(id);
  return title ? html`<a href="/press/disclosures/${encodeURIComponent(id)}">${title}</a>` : html`${id}`;
}

function clock(due: Date, now: Date, what: string): SafeHtml {
  const { overdue, text } = clockText(due, now);
  return html`<div class="clock ${overdue ? 'overdue' : 'remaining'}" data-overdue="${String(overdue)}">${what} ${chinaTime(due)}：${text}</div>`;
}

export function alertTable(alerts: readonly OpinionAlertRecord[], titles: ReadonlyMap<string, string>): SafeHtml {
  if (alerts.length === 0) return html`<p class="empty">没有未处理的预警</p>`;
  return html`<table class="alerts"><thead><tr><th>对象</th><th>时段</th><th>条数</th><th>负面占比</th><th>原因</th></tr></thead><tbody>${alerts.map(
    (a) => html`<tr data-alert="${a._id}"><td>${disclosureLink(a.disclosureId, titles)}</td><td>${chinaTime(a.windowStart)} 至 ${chinaTime(a.windowEnd)}</td><td>${a.volume}</td><td>${Math.round(a.negativeShare * 100)}%</td><td>${a.reason}</td></tr>`,
  )}</tbody></table>`;
}

export function taskTable(tasks: readonly ResponseTaskRecord[], titles: ReadonlyMap<string, string>, now: Date, csrf: string): SafeHtml {
  if (tasks.length === 0) return html`<p class="empty">没有待办的回应任务</p>`;
  const rows = tasks.map((t) => {
    const action =
      t.status === 'open'
        ? html`<form method="post" action="/press/tasks/${encodeURIComponent(t._id)}/acknowledge"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">确认接收</button></form>`
        : html`<span class="acknowledged">已接收 ${t.acknowledgedAt ? chinaTime(t.acknowledgedAt) : ''}</span>`;
    return html`<tr class="task" data-task="${t._id}" data-status="${t.status}"><td>${LEVELS[t.level] ?? t.level}</td><td>${disclosureLink(t.disclosureId, titles)}</td><td>${TASK_STATUS[t.status] ?? t.status}</td><td>${clock(t.dueAt, now, '首次回应')}${
      t.conferenceDueAt ? clock(t.conferenceDueAt, now, '新闻发布会') : ''
    }</td><td>${action}</td></tr>`;
  });
  return html`<table class="tasks"><thead><tr><th>级别</th><th>对象</th><th>状态</th><th>时限</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Each reaction with the words that decided its label, so an officer can judge the judgement. */
export function reactionTable(reactions: readonly ReactionRecord[]): SafeHtml {
  if (reactions.length === 0) return html`<p class="empty">暂无反应</p>`;
  return html`<table class="reactions"><thead><tr><th>来源</th><th>时间</th><th>内容</th><th>情感</th><th>判断依据</th></tr></thead><tbody>${reactions.map(
    (r) => html`<tr class="reaction" data-reaction="${r._id}" data-label="${r.sentiment.label}"><td>${SOURCE_NAMES[r.source] ?? r.source}</td><td>${chinaTime(new Date(r.at))}</td><td class="text">${
      r.url && /^https?:\/\//.test(r.url) ? html`<a href="${r.url}" rel="noopener noreferrer nofollow">${r.text}</a>` : r.text
    }</td><td class="label-${r.sentiment.label}">${LABEL_NAMES[r.sentiment.label] ?? r.sentiment.label} ${r.sentiment.score.toFixed(2)}</td><td class="reasons">${
      r.sentiment.reasons.length ? r.sentiment.reasons.join('；') : '无明显情感词'
    }</td></tr>`,
  )}</tbody></table>`;
}
