import type { Context } from 'koa';
import { html } from '../render/html.ts';
import { sitePage, siteContext } from './render/layout.ts';

/** The reader's display modes (GB/T 37668-2019 适老化): kept in a cookie, applied by display.css. */
export interface DisplayModes {
  large: boolean;
  contrast: boolean;
}

const COOKIE = 'gk_display';
const YEAR_SECONDS = 365 * 24 * 3600;

export function displayModes(ctx: Context): DisplayModes {
  const value = ctx.cookies.get(COOKIE) ?? '';
  const parts = new Set(value.split('.'));
  return { large: parts.has('large'), contrast: parts.has('contrast') };
}

/** Written by hand, as the press session is: Koa's cookies refuse `Secure` behind a TLS-ending proxy it was not told of. */
function saveModes(ctx: Context, modes: DisplayModes, secure: boolean): void {
  const value = [modes.large && 'large', modes.contrast && 'contrast'].filter(Boolean).join('.');
  const parts = [`${COOKIE}=${value}`, 'Path=/', `Max-Age=${value ? YEAR_SECONDS : 0}`, 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  ctx.set('Set-Cookie', parts.join('; '));
}

/** Only this site's own paths: `//evil.example` or `/\evil` would leave it. */
function safeBack(back: unknown): string {
  return typeof back === 'string' && /^\/(?![/\\])/.test(back) && back.length <= 2000 ? back : '/';
}

const LARGE = `html { font-size: 137.5%; }
.site-header nav a, .display-modes a { font-size: 1.1rem; }
body { line-height: 1.8; letter-spacing: .02em; }
.display-modes a[href*="toggle=large"]::after { content: "（已开启）"; }`;

const CONTRAST = `:root { --ink: #fff; --muted: #f0f0f0; --bg: #000; --card: #000; --brand: #000; --link: #ffeb3b; --line: #fff; --mark: #ffeb3b; --warn-bg: #000; --warn: #ff9e80; --focus: #00e5ff; }
body { background: #000; color: #fff; }
.site-header { border-bottom: 2px solid #fff; }
.site-header a, .site-footer a, a { color: #ffeb3b; }
mark { color: #000; }
th { background: #222; color: #fff; }
.site-footer { background: #000; color: #fff; }
input, select { background: #000 !important; color: #fff !important; border-color: #fff !important; }
button, .button { background: #ffeb3b; color: #000; border-color: #ffeb3b; }
code { background: #222; }
.badge.corrected { color: #fff; }
.display-modes a[href*="toggle=contrast"]::after { content: "（已开启）"; }`;

/** The stylesheet of the reader's modes: small, private, revalidated on each page. */
export function displayCss(ctx: Context): void {
  const modes = displayModes(ctx);
  ctx.type = 'text/css; charset=utf-8';
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.vary('Cookie');
  ctx.body = [modes.large ? LARGE : '', modes.contrast ? CONTRAST : ''].join('\n') || '/* 标准显示 */';
}

/**
 * `/display?toggle=large|contrast&back=…` flips one mode and returns the reader to the page;
 * `/display?large=1&contrast=0&back=…` (the settings form) sets both; bare `/display` shows the form.
 */
export function displayRoute(publicBaseUrl: string, secure: (ctx: Context) => boolean) {
  return (ctx: Context): void => {
    const modes = displayModes(ctx);
    const { toggle, large, contrast, back } = ctx.query;
    ctx.set('Cache-Control', 'no-store');
    if (toggle === 'large' || toggle === 'contrast') {
      saveModes(ctx, { ...modes, [toggle]: !modes[toggle] }, secure(ctx));
    } else if (large !== undefined || contrast !== undefined) {
      saveModes(ctx, { large: large === '1', contrast: contrast === '1' }, secure(ctx));
    } else {
      ctx.type = 'html';
      ctx.body = settingsPage(modes, safeBack(back), ctx, publicBaseUrl);
      return;
    }
    ctx.status = 303;
    ctx.redirect(safeBack(back));
  };
}

function settingsPage(modes: DisplayModes, back: string, ctx: Context, publicBaseUrl: string): string {
  const choice = (name: 'large' | 'contrast', on: string, off: string) => html`<fieldset><legend>${name === 'large' ? '字号' : '配色'}</legend>
<label><input type="radio" name="${name}" value="0"${modes[name] ? '' : html` checked`}> ${off}</label>
<label><input type="radio" name="${name}" value="1"${modes[name] ? html` checked` : ''}> ${on}</label></fieldset>`;
  const body = html`<h1>显示设置</h1>
<p>适老化与无障碍：可放大字号，或使用黑底黄字的高对比度配色。设置保存在本浏览器中，无需脚本。</p>
<form method="get" action="/display" class="card">
${choice('large', '大字模式', '标准字号')}
${choice('contrast', '高对比度', '标准配色')}
<input type="hidden" name="back" value="${back}">
<p><button type="submit">保存设置</button> <a href="${back}">返回</a></p></form>`;
  return sitePage({ title: '显示设置', body, canonicalPath: '/display', noindex: true }, siteContext(ctx, { publicBaseUrl }));
}
