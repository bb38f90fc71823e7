import type { PublicListItem } from '../../../core/read-model/types.ts';
import { html, type SafeHtml } from '../../render/html.ts';
import { itemList } from './list-page.ts';
import { SITE_NAME } from './layout.ts';

export interface FieldLatest {
  code: string;
  name: string;
  items: readonly PublicListItem[];
}

/** The front page: a search box, what closes this week (closing.ts), the newest items of each field, ways to follow them. */
export function homeBody(latest: readonly FieldLatest[], closing: SafeHtml = html``): SafeHtml {
  return html`<h1>${SITE_NAME}</h1>
<p>依据国办发〔2017〕97号，集中公开住房保障、国有土地使用权出让、矿业权出让、政府采购、国有产权交易、工程建设项目招标投标六个领域的信息及失信黑名单。</p>
<form class="search card" method="get" action="/disclosures" role="search">
<div class="field"><label for="home-q">搜索公开信息</label><input id="home-q" name="q" type="search" placeholder="如：公租房 摇号、项目代码、申请编号"></div>
<button type="submit">搜索</button></form>
${closing}
<div class="fields-grid">${latest.map((field) => html`<section aria-labelledby="field-${field.code}">
<h2 id="field-${field.code}"><a href="${field.code === 'blacklist' ? '/blacklist' : `/disclosures?field=${field.code}`}">${field.name}</a></h2>
${itemList(field.items, '本领域暂无公开信息。')}
<p><a href="${field.code === 'blacklist' ? '/blacklist' : `/disclosures?field=${field.code}`}">更多${field.name}信息</a></p></section>`)}</div>
<section aria-labelledby="follow"><h2 id="follow">随时获取更新</h2>
<p><a href="/subscribe">微信订阅、小程序与 RSS 订阅</a> · <a href="/requests/new">依申请公开</a></p></section>`;
}
