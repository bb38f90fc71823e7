import { catalogue } from '../../../core/catalogue/index.ts';
import { FIELD_WORDS_HELP } from '../../../core/wechat-callback/commands.ts';
import { describeFilters } from '../../../core/wechat-callback/replies.ts';
import type { SubscribeMpCode } from '../../../core/wechat-qr/mp-codes.ts';
import type { SubscribeQr } from '../../../core/wechat-qr/qr-codes.ts';
import { escapeHtml, html, SafeHtml } from '../../render/html.ts';
import { FIELD_NAMES } from './format.ts';
import { queryString, type ListState } from './list-page.ts';

/** The word a follower types for a field: the command parser knows the catalogue names. */
const commandFor = (state: ListState) => ['订阅', state.field ? FIELD_NAMES[state.field] : undefined, state.region].filter(Boolean).join(' ');

/** What the page says about the official account's QR code. */
export type QrBlock =
  /** No official account configured: text commands only, as before scene codes existed. */
  | { kind: 'none' }
  /** A code for the page's field and region. */
  | { kind: 'code'; qr: SubscribeQr; sandbox?: boolean }
  /** An account, but no code for this page: no filter chosen, a region without items, or WeChat refused. */
  | { kind: 'unavailable' };

/**
 * The code as inline SVG (the CSP allows nothing from elsewhere, and WeChat's showqrcode image
 * is never linked), named for screen readers by what it subscribes to.
 */
function qrFigure(qr: SubscribeQr): SafeHtml {
  const what = describeFilters(qr.filters);
  const svg = qr.svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(`微信扫码订阅：${what}`)}" focusable="false" `);
  return html`<figure class="qr">${new SafeHtml(svg)}<figcaption>用微信“扫一扫”：订阅 ${what}。未关注的先关注公众号，已关注的直接订阅；公众号会回复“订阅成功”。</figcaption></figure>`;
}

/** A GET form to choose what the code subscribes to. */
function pickForm(state: ListState): SafeHtml {
  return html`<form class="search card" method="get" action="/subscribe">
<div class="filter-grid"><div><label for="s-field">领域</label><select id="s-field" name="field"><option value="">全部领域</option>${catalogue.map(
    (f) => html`<option value="${f.code}"${f.code === state.field ? html` selected` : ''}>${f.name}</option>`,
  )}</select></div>
<div><label for="s-region">行政区划代码（6位）</label><input id="s-region" name="region" type="text" inputmode="numeric" maxlength="6" value="${state.region ?? ''}" placeholder="如 110108"></div></div>
<button type="submit">显示订阅二维码</button></form>`;
}

function qrSection(state: ListState, block: QrBlock): SafeHtml {
  if (block.kind === 'none') return html``;
  if (block.kind === 'code') {
    const sandbox = block.sandbox ? html`<p class="meta">（本机测试环境：二维码来自微信接口模拟器，真实微信扫码无效。）</p>` : '';
    return html`${qrFigure(block.qr)}${sandbox}<p class="meta">也可按下面的方法发送文字订阅。</p>`;
  }
  const chosen = state.field || state.region;
  return html`<p>${chosen ? '暂时无法显示当前条件的订阅二维码，请按下面的方法发送文字订阅。' : '选择领域和地区，即可显示扫码订阅的二维码：'}</p>${pickForm(state)}`;
}

/**
 * How to follow: the official account's subscribe QR code for the page's field and region
 * (scanning it subscribes, see core/wechat-qr/), its text commands, the mini-program, and the
 * feeds of the filter.
 */
/**
 * The mini-program's code (小程序码) for the page's field and region, an image from our own
 * route (img-src 'self'), named by what it opens; without one, the text alone.
 */
function mpFigure(code: SubscribeMpCode, sandbox: boolean): SafeHtml {
  const what = describeFilters(code.filters);
  const note = sandbox ? html`<p class="meta">（本机测试环境：小程序码来自微信接口模拟器，真实微信扫码无效。）</p>` : '';
  return html`<figure class="qr"><img src="${code.src}" width="280" height="280" alt="${`微信扫码打开小程序订阅页：${what}`}"><figcaption>用微信“扫一扫”打开小程序“订阅”页，已填好 ${what}。</figcaption></figure>${note}`;
}

export function subscribeBody(state: ListState, baseUrl: string, accountName?: string, qr: QrBlock = { kind: 'none' }, mp?: { code: SubscribeMpCode; sandbox?: boolean }): SafeHtml {
  const feedQuery = queryString({ field: state.field, region: state.region });
  const q = feedQuery ? `?${feedQuery}` : '';
  const command = commandFor(state);
  return html`<h1>订阅与提醒</h1>
<section aria-labelledby="oa"><h2 id="oa">微信公众号</h2>
${qrSection(state, qr)}
<p>关注${accountName ? html`公众号“${accountName}”` : '本机关的政务公众号'}后，在对话框发送文字即可订阅，新信息公开、更正或撤回时会收到提醒：</p>
<ul>
<li>${state.field || state.region ? '订阅当前条件：' : '例如：'}发送 <code>${command === '订阅' ? '订阅 住房 110105' : command}</code></li>
<li>关注自己的保障房申请：发送 <code>订阅 申请 您的申请编号</code>（如 <code>订阅 申请 HD2026-0001</code>）</li>
<li>查看已有订阅：发送 <code>我的订阅</code>；全部退订：发送 <code>退订</code></li>
</ul>
<p class="meta">领域可写：${FIELD_WORDS_HELP}；地区写6位行政区划代码，可只写一项。</p></section>
<section aria-labelledby="mp"><h2 id="mp">微信小程序</h2>
${mp ? mpFigure(mp.code, mp.sandbox === true) : ''}
<p>在微信中打开本机关的政务服务小程序：可检索公开信息，在“订阅”页按领域、地区或申请编号订阅，授权后收到服务通知；“我的”页管理已有订阅。</p></section>
<section aria-labelledby="feeds"><h2 id="feeds">RSS / Atom / JSON 订阅源</h2>
<p>用阅读器订阅${state.field ? `“${FIELD_NAMES[state.field]}”` : '全部'}${state.region ? `（地区 ${state.region}）` : ''}信息：</p>
<ul><li><a href="${baseUrl}/feeds/rss.xml${q}">RSS 2.0</a></li><li><a href="${baseUrl}/feeds/atom.xml${q}">Atom</a></li><li><a href="${baseUrl}/feeds/feed.json${q}">JSON Feed</a></li></ul>
<p class="meta">订阅源支持与列表相同的筛选参数，例如 <code>${baseUrl}/feeds/rss.xml?field=housing&amp;region=110108</code>。</p></section>`;
}
