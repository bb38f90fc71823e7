import type { DashboardData, DrillDownData } from '../../../core/opinion/dashboard.ts';
import { sentimentChart } from './charts.ts';
import { html } from '../../render/html.ts';
import { page, type SignedIn } from './layout.ts';
import { alertTable, keywordList, reactionTable, SOURCE_NAMES, taskTable } from './opinion-lists.ts';

export function dashboardPage(data: DashboardData, now: Date, signedIn: SignedIn): string {
  const sources = data.bySource.map((s) => html`<span class="source" data-source="${s.source}">${SOURCE_NAMES[s.source] ?? s.source} ${s.count}</span> `);
  return page(
    '舆情工作台',
    html`<h1>${data.agencyName} · 舆情工作台</h1>
<section id="tasks"><h2>回应任务</h2>${taskTable(data.tasks, data.titles, now, signedIn.csrf)}</section>
<section id="alerts"><h2>未处理预警</h2>${alertTable(data.alerts, data.titles)}</section>
<section id="volume"><h2>近 ${data.days.length} 天舆情</h2>
<div class="figures"><div class="figure">总量<strong id="total">${data.total}</strong></div><div class="figure">来源<div>${sources}</div></div></div>
${sentimentChart(data.days)}</section>
<section id="keywords"><h2>近 7 天热词</h2>${keywordList(data.keywords)}</section>`,
    signedIn,
  );
}

export function drillDownPage(data: DrillDownData, signedIn: SignedIn): string {
  return page(
    data.title,
    html`<p><a href="/press">← 返回工作台</a></p><h1>${data.title}</h1>
<section id="volume"><h2>舆情走势</h2><div class="figures"><div class="figure">总量<strong id="total">${data.total}</strong></div></div>${sentimentChart(data.days)}</section>
<section id="keywords"><h2>热词</h2>${keywordList(data.keywords)}</section>
<section id="reactions"><h2>公众反应（最新 ${data.reactions.length} 条）</h2>${reactionTable(data.reactions)}</section>`,
    signedIn,
  );
}
