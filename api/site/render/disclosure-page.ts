import type { PublicDisclosure } from '../../../core/disclosures/views.ts';
import { html, type SafeHtml } from '../../render/html.ts';
import { contentTables } from './content-tables.ts';
import { BASIS_TEXT, chinaDateTime, chinaDay, isoChina, STATUS_TEXT } from './format.ts';
import type { SitePageOptions } from './layout.ts';

type Revision = PublicDisclosure['revisions'][number];

export const detailPath = (id: string, revision?: number) => `/disclosures/${id}${revision ? `?revision=${revision}` : ''}`;

function attachmentList(revision: Revision): SafeHtml {
  if (!revision.attachments.length) return html``;
  return html`<section aria-labelledby="attachments"><h2 id="attachments">附件</h2><ul>${revision.attachments.map((a) =>
    /^https?:\/\//.test(a.url)
      ? html`<li><a href="${a.url}" rel="nofollow noopener">${a.name}</a> <span class="muted">（SHA-256 ${a.sha256.slice(0, 12)}…）</span></li>`
      : html`<li>${a.name}</li>`,
  )}</ul></section>`;
}

function history(view: PublicDisclosure, shown: number): SafeHtml {
  return html`<section aria-labelledby="history"><h2 id="history">版本记录</h2>
<ol class="items">${[...view.revisions].reverse().map((r) => html`<li>
<p>${r.n === shown ? html`<strong>第 ${r.n} 版（当前查看）</strong>` : html`<a href="${detailPath(view.id, r.n === view.revision ? undefined : r.n)}">第 ${r.n} 版</a>`}${r.n === view.revision ? '（最新）' : ''}
<span class="meta">公开于 <time datetime="${isoChina(r.publishedAt)}">${chinaDateTime(r.publishedAt)}</time></span></p>
${r.n === 1 ? html`<p class="meta">首次公开</p>` : html`<p>变更说明：${r.note ?? ''}</p>`}
${r.title !== view.title ? html`<p class="meta">标题：${r.title}</p>` : ''}</li>`)}</ol>
${view.withdrawn ? html`<p class="meta">于 ${chinaDateTime(view.withdrawn.at)} 撤回。</p>` : ''}</section>`;
}

function facts(view: PublicDisclosure): SafeHtml {
  return html`<table class="kv"><caption>基本信息</caption><tbody>
<tr><th scope="row">公开主体（谁公开）</th><td><a href="/agencies/${view.agency.code}">${view.agency.name}</a></td></tr>
<tr><th scope="row">公开责任依据</th><td>谁${BASIS_TEXT[view.basis] ?? view.basis}、谁公开（本机关${BASIS_TEXT[view.basis] ?? view.basis}该事项）</td></tr>
<tr><th scope="row">领域</th><td><a href="/disclosures?field=${view.field}">${view.fieldName ?? view.field}</a></td></tr>
<tr><th scope="row">事项类型</th><td><a href="/disclosures?field=${view.field}&amp;itemType=${view.itemType}">${view.itemTypeName ?? view.itemType}</a></td></tr>
<tr><th scope="row">行政区划代码</th><td><a href="/disclosures?region=${view.region}">${view.region}</a></td></tr>
${view.projectCode ? html`<tr><th scope="row">项目代码</th><td><a href="/disclosures?projectCode=${encodeURIComponent(view.projectCode)}">${view.projectCode}</a></td></tr>` : ''}
<tr><th scope="row">信息形成日期</th><td>${chinaDay(view.formedAt)}</td></tr>
<tr><th scope="row">首次公开时间</th><td>${chinaDateTime(view.publishedAt)}${view.onTime === true ? '（按时公开）' : view.onTime === false ? '（逾期公开）' : ''}</td></tr>
<tr><th scope="row">状态</th><td>${STATUS_TEXT[view.status] ?? view.status}</td></tr>
</tbody></table>`;
}

export interface ResponseLine {
  id: string;
  title: string;
  publishedAt?: Date;
  summary?: unknown;
}

/** The agency's public 回应 to opinion on this item (core/opinion/respond), oldest first. */
function responseList(responses: readonly ResponseLine[]): SafeHtml {
  if (!responses.length) return html``;
  return html`<section aria-labelledby="responses"><h2 id="responses">本机关回应</h2><ol class="items">${responses.map(
    (r) => html`<li><a class="title" href="${detailPath(r.id)}">${r.title}</a>${typeof r.summary === 'string' ? html`<p class="snippet">${r.summary}</p>` : ''}
<p class="meta">公开于 <time datetime="${isoChina(r.publishedAt)}">${chinaDateTime(r.publishedAt)}</time></p></li>`,
  )}</ol></section>`;
}

/** One public disclosure at one of its revisions, with the agency's responses to opinion on it. */
export function disclosurePage(
  view: PublicDisclosure,
  shown: Revision,
  baseUrl: string,
  responses: readonly ResponseLine[] = [],
  /** What closes and when (closing.ts `closingNote`), for a closing still ahead. */
  closing: SafeHtml = html``,
): SitePageOptions {
  const older = shown.n !== view.revision;
  const body = html`<nav class="crumbs" aria-label="当前位置"><ol><li><a href="/">首页</a></li><li><a href="/disclosures?field=${view.field}">${view.fieldName ?? view.field}</a></li><li aria-current="page">详情</li></ol></nav>
<article>
${view.withdrawn ? html`<div class="banner" role="note"><strong>本信息已撤回</strong>撤回理由：${view.withdrawn.reason ?? '未说明'}（${chinaDateTime(view.withdrawn.at)}）。以下内容仅供查阅，不再有效。</div>` : ''}
${older ? html`<div class="banner" role="note"><strong>您正在查看第 ${shown.n} 版（共 ${view.revision} 版）</strong>该版本已被更正。<a href="${detailPath(view.id)}">查看最新版本</a></div>` : ''}
<h1>${shown.title}${view.status === 'corrected' ? html`<span class="badge corrected">已更正</span>` : ''}${view.withdrawn ? html`<span class="badge withdrawn">已撤回</span>` : ''}</h1>
<p class="meta">${view.agency.name} · 公开于 <time datetime="${isoChina(shown.publishedAt)}">${chinaDateTime(shown.publishedAt)}</time></p>
${closing}
${facts(view)}
<section aria-labelledby="content"><h2 id="content">公开内容</h2>
${contentTables(view.field, view.itemType, shown.content, shown.withheld)}
${shown.withheld.length ? html`<p class="meta">标注“依法不予公开”的内容，依据《中华人民共和国政府信息公开条例》第十四、十五条不予公开。</p>` : ''}</section>
${attachmentList(shown)}
${responseList(responses)}
${history(view, shown.n)}
</article>
<p><a href="/subscribe?field=${view.field}&amp;region=${view.region}">订阅此类信息的更新</a> · <a href="/requests/new">对本信息有疑问？依申请公开</a></p>`;
  const url = baseUrl + detailPath(view.id);
  return {
    title: shown.title,
    body,
    canonicalPath: detailPath(view.id, older ? shown.n : undefined),
    description: `${view.agency.name}公开的${view.fieldName ?? ''}${view.itemTypeName ?? ''}信息${view.withdrawn ? '（已撤回）' : ''}：${shown.title}`,
    ogType: 'article',
    noindex: false,
    jsonLd: {
      '@type': 'Article',
      headline: shown.title.slice(0, 110),
      url,
      datePublished: isoChina(view.publishedAt),
      dateModified: isoChina(view.withdrawn?.at ?? view.revisions.at(-1)?.publishedAt),
      inLanguage: 'zh-CN',
      articleSection: view.fieldName,
      genre: view.itemTypeName,
      author: { '@type': 'GovernmentOrganization', name: view.agency.name, url: `${baseUrl}/agencies/${view.agency.code}` },
      publisher: { '@type': 'GovernmentOrganization', name: view.agency.name, url: `${baseUrl}/agencies/${view.agency.code}` },
      ...(view.withdrawn ? { creativeWorkStatus: 'Withdrawn' } : {}),
    },
  };
}
