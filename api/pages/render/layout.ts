import { html, type SafeHtml } from '../../render/html.ts';
import { PAGE_CSP } from '../../render/page-csp.ts';

export const PRESS_CSS_PATH = '/press/assets/press.css';

export const PRESS_CSP = PAGE_CSP;

export interface SignedIn {
  agencyName: string;
  csrf: string;
}

export function page(title: string, body: SafeHtml, signedIn?: SignedIn): string {
  const header = signedIn
    ? html`<header><a class="brand" href="/press">舆情工作台</a><span class="agency">${signedIn.agencyName}</span>
<form method="post" action="/press/logout" class="logout"><input type="hidden" name="csrf" value="${signedIn.csrf}"><button type="submit">退出</button></form></header>`
    : html`<header><span class="brand">舆情工作台</span></header>`;
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · gongkai</title><link rel="stylesheet" href="${PRESS_CSS_PATH}"></head>
<body>${header}<main>${body}</main></body></html>`.value;
}

export function loginPage(error?: string): string {
  return page(
    '登录',
    html`<h1>新闻发言人登录</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/press/login" class="login">
<label for="apiKey">API 密钥（新闻发言人或管理员）</label>
<input id="apiKey" name="apiKey" type="password" autocomplete="off" required>
<button type="submit">登录</button></form>
<p>有工作人员账号？<a href="/console/">在机关工作台用用户名和密码登录</a>，登录后即可进入舆情工作台。</p>`,
  );
}

export function errorPage(status: number, message: string, signedIn?: SignedIn): string {
  return page(`错误 ${status}`, html`<h1>出错了（${status}）</h1><p class="error" role="alert">${message}</p><p><a href="/press">返回工作台</a></p>`, signedIn);
}
