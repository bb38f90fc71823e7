import type { SentimentLabel } from '../../../core/models/reaction.model.ts';
import type { DayCounts } from '../../../core/opinion/dashboard.ts';
import { html, type SafeHtml } from '../../render/html.ts';

export const LABEL_NAMES: Record<SentimentLabel, string> = { neg: '负面', neu: '中性', pos: '正面' };
/** Presentation attributes rather than inline styles: the page's CSP allows no inline style. */
const COLOURS: Record<SentimentLabel, string> = { neg: '#c0392b', neu: '#95a5a6', pos: '#27ae60' };
const STACK: SentimentLabel[] = ['neg', 'neu', 'pos'];

const HEIGHT = 180;
const TOP = 18;
const BOTTOM = 22;
const BAR = 26;
const GAP = 10;

/**
 * Daily reactions as stacked bars (负面 at the bottom, where the eye lands first), with the day's
 * volume above each bar. Each segment carries its label and count as data attributes and a title.
 */
export function sentimentChart(days: readonly DayCounts[]): SafeHtml {
  if (days.length === 0) return html`<p class="empty">暂无舆情数据</p>`;
  const totals = days.map((d) => d.neg + d.neu + d.pos);
  const max = Math.max(1, ...totals);
  const plot = HEIGHT - TOP - BOTTOM;
  const width = days.length * (BAR + GAP) + GAP;
  const bars = days.map((d, i) => {
    const x = GAP + i * (BAR + GAP);
    let y = HEIGHT - BOTTOM;
    const segments = STACK.filter((label) => d[label] > 0).map((label) => {
      const h = (d[label] / max) * plot;
      y -= h;
      return html`<rect class="seg" data-day="${d.day}" data-label="${label}" data-count="${d[label]}" x="${x}" y="${y.toFixed(1)}" width="${BAR}" height="${h.toFixed(1)}" fill="${COLOURS[label]}"><title>${d.day} ${LABEL_NAMES[label]} ${d[label]} 条</title></rect>`;
    });
    const total = totals[i]!;
    return html`<g class="day" data-day="${d.day}" data-total="${total}">${segments}${
      total > 0 ? html`<text x="${x + BAR / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10">${total}</text>` : ''
    }<text x="${x + BAR / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="10">${d.day.slice(5)}</text></g>`;
  });
  const legend = STACK.map(
    (label) => html`<span class="legend legend-${label}"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${COLOURS[label]}"/></svg> ${LABEL_NAMES[label]}</span>`,
  );
  return html`<figure class="chart">
<svg class="sentiment-chart" role="img" aria-label="每日舆情情感分布" viewBox="0 0 ${width} ${HEIGHT}" width="${width}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
<line x1="0" y1="${HEIGHT - BOTTOM}" x2="${width}" y2="${HEIGHT - BOTTOM}" stroke="#888"/>${bars}</svg>
<figcaption>${legend}</figcaption></figure>`;
}
