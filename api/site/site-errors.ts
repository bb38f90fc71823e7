import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { AppError, ValidationError } from '../../core/errors.ts';
import { html } from '../render/html.ts';
import { sitePage, siteContext } from './render/layout.ts';

/** The public's words for a failed page; a 400 names the parameter instead. */
const STATUS_TEXT: Record<number, string> = {
  404: '没有找到您要的页面或信息。它可能尚未公开，或链接有误。',
  405: '不支持这种访问方式。',
  429: '访问过于频繁，请稍后再试。',
};

/** Labels of the list parameters, so a 400 tells the resident which box to fix. */
const PARAM_LABELS: Record<string, string> = {
  field: '领域', itemType: '事项类型', region: '地区（行政区划代码）', agency: '发布机关', projectCode: '项目代码',
  from: '发布日期起', to: '发布日期止', q: '关键词', sort: '排序', facets: '分类统计', cursor: '翻页位置', limit: '每页条数', revision: '版本',
};

export function errorPageHtml(ctx: Context, publicBaseUrl: string, status: number, message: string, fields: string[] = []): string {
  const body = html`<h1>${status === 404 ? '页面不存在' : status === 400 ? '请求参数有误' : '出错了'}（${status}）</h1>
<p role="alert">${message}</p>
${fields.length ? html`<ul class="problems">${fields.map((f) => html`<li>参数 <code>${f}</code>${PARAM_LABELS[f] ? `（${PARAM_LABELS[f]}）` : ''}的值无效</li>`)}</ul>` : ''}
<p><a href="/">返回首页</a> · <a href="/disclosures">浏览全部公开信息</a></p>`;
  return sitePage({ title: `出错了（${status}）`, body, canonicalPath: ctx.path, noindex: true }, siteContext(ctx, { publicBaseUrl }));
}

function zodFields(error: ZodError): string[] {
  const names = error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.') || '(query)']));
  return [...new Set(names)];
}

/** The site's pages fail as HTML pages in Chinese; anything not a client mistake goes on to the JSON mapper (a 500). */
export function siteErrors(publicBaseUrl: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'not_found', 'not found');
    } catch (error) {
      let status: number;
      let fields: string[] = [];
      if (error instanceof ZodError) {
        status = 400;
        fields = zodFields(error);
      } else {
        const raw = (error as { status?: unknown }).status;
        status = error instanceof AppError ? error.status : typeof raw === 'number' ? raw : 500;
        if (error instanceof ValidationError) fields = error.fields.map((f) => f.path);
      }
      if (status >= 500 || status < 400) throw error;
      const wait = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      if (status === 429 && typeof wait === 'number') ctx.set('Retry-After', String(wait));
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'html';
      const message = status === 400 ? `以下参数无效：${fields.join('、') || '请求'}。请修改后重试。` : (STATUS_TEXT[status] ?? '请求无法完成。');
      ctx.body = errorPageHtml(ctx, publicBaseUrl, status, message, fields);
    }
  };
}
