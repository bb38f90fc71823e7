import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { ZodError } from 'zod';
import { NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../../core/errors.ts';
import { REQUESTER_TYPE_NAMES, REQUESTER_TYPES } from '../../core/read-model/request-types.ts';
import { submitRequestInput } from '../../core/requests/input.ts';
import { requestStatus } from '../../core/requests/queries.ts';
import { DELIVERY_FORM_NAMES, DELIVERY_FORMS, ID_TYPE_NAMES, ID_TYPES } from '../../core/requests/request.model.ts';
import { submitRequest } from '../../core/requests/submit.ts';
import type { Services } from '../../core/services.ts';
import { readForm } from '../pages/form-body.ts';
import { pageSecurityHeaders } from '../middleware/security.ts';
import { html, type SafeHtml } from '../render/html.ts';
import { SITE_CSP, sitePage, siteContext } from './render/layout.ts';

/**
 * The website's 依申请公开 pages: the request form (/requests/new) and the status page
 * (/requests/status). Plain HTML forms, no script (SITE_CSP allows none): errors come back as the
 * same form with a summary that links to each field, every field labelled and described.
 * The access code is looked up by POST so it never sits in a URL, history or log.
 */
export interface RequestPageDeps {
  services: Services;
  publicBaseUrl: string;
  rateLimit?: Middleware;
}

/** Form field name → the input's path in submitRequestInput, and its label. */
const FIELDS = {
  agency: ['agency', '受理机关'],
  type: ['requester.type', '申请人类型'],
  name: ['requester.name', '姓名或名称'],
  idType: ['requester.idType', '身份证明类型'],
  idNumber: ['requester.idNumber', '证件号码'],
  phone: ['requester.contact.phone', '联系电话'],
  email: ['requester.contact.email', '电子邮箱'],
  address: ['requester.contact.address', '通信地址'],
  description: ['description', '所需政府信息的内容描述'],
  delivery: ['delivery', '获取信息的方式'],
} as const;
type FieldName = keyof typeof FIELDS;

const STYLE = `.request-form fieldset{border:1px solid #c8c8c8;padding:.6rem 1rem;margin:0 0 1rem}
.request-form label{display:block;margin:.6rem 0 .2rem;font-weight:600}
.request-form textarea{width:100%;min-height:8rem;padding:.4rem .5rem;border:1px solid #767676;border-radius:3px;font:inherit}
.request-form input[type=email],.request-form input[type=tel]{width:100%;padding:.4rem .5rem;border:1px solid #767676;border-radius:3px;background:#fff;font:inherit}
.request-form .hint{color:#555;font-size:.92rem;margin:.1rem 0}
.request-form .field-error{color:#a4000f;font-weight:600;margin:.2rem 0}
.request-form [aria-invalid=true]{border:2px solid #a4000f}
.error-summary{border:3px solid #a4000f;padding:.6rem 1rem;margin:0 0 1rem}
.receipt{border:2px solid #1a5fb4;padding:.6rem 1rem}
.receipt code{font-size:1.3rem;letter-spacing:.08em}
ol.steps li{margin:.3rem 0}`;

function problemsOf(error: unknown): FieldProblem[] {
  if (error instanceof ZodError) return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  if (error instanceof ValidationError) return error.fields;
  throw error;
}

/** The form field a problem is about; contact as a whole goes to the phone box. */
function fieldOf(path: string): FieldName {
  if (path === 'requester.contact') return 'phone';
  return ((Object.keys(FIELDS) as FieldName[]).find((f) => FIELDS[f][0] === path) ?? 'description') as FieldName;
}

const CHINESE_MESSAGES: Partial<Record<FieldName, string>> = {
  idNumber: '请填写正确的证件号码（居民身份证为18位，末位可为X）',
  phone: '请至少填写联系电话、电子邮箱、通信地址中的一项；电话只含数字、空格和“-”',
  email: '请填写正确的电子邮箱',
  agency: '请选择受理机关',
  description: '请描述所需的政府信息（不超过2000字）',
  name: '请填写姓名或名称',
};

/** From the agency directory in memory (core/agencies/directory.ts), never a scan per page view. */
async function agencyOptions(services: Services) {
  return [...(await services.agencies.list())].sort((a, b) => a.code.localeCompare(b.code));
}

function select(name: FieldName, options: readonly (readonly [string, string])[], value: string | undefined, errors: Map<FieldName, string>): SafeHtml {
  return html`<label for="f-${name}">${FIELDS[name][1]}</label>
${errors.has(name) ? html`<p class="field-error" id="e-${name}">${errors.get(name)}</p>` : ''}
<select id="f-${name}" name="${name}" required${errors.has(name) ? html` aria-invalid="true" aria-describedby="e-${name}"` : ''}>
${options.map(([v, label]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${label}</option>`)}
</select>`;
}

function input(name: FieldName, type: string, value: string | undefined, errors: Map<FieldName, string>, extra: { required?: boolean; hint?: string; autocomplete?: string } = {}): SafeHtml {
  const described = [errors.has(name) ? `e-${name}` : '', extra.hint ? `h-${name}` : ''].filter(Boolean).join(' ');
  return html`<label for="f-${name}">${FIELDS[name][1]}${extra.required ? '（必填）' : ''}</label>
${extra.hint ? html`<p class="hint" id="h-${name}">${extra.hint}</p>` : ''}
${errors.has(name) ? html`<p class="field-error" id="e-${name}">${errors.get(name)}</p>` : ''}
<input type="${type}" id="f-${name}" name="${name}" value="${value ?? ''}"${extra.required ? html` required` : ''}${extra.autocomplete ? html` autocomplete="${extra.autocomplete}"` : ''}${errors.has(name) ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>`;
}

function formBody(agencies: { code: string; name: string }[], values: Record<string, string>, errors: Map<FieldName, string>): SafeHtml {
  return html`<link rel="stylesheet" href="/requests/requests.css">
<h1>政府信息公开申请</h1>
<p>依据《中华人民共和国政府信息公开条例》第二十七条、第二十九条，您可以向行政机关申请获取政府信息。在线提交的申请，以受理机关确认之日为收到申请之日；机关自收到申请之日起20个工作日内答复（经批准可延长不超过20个工作日）。</p>
${errors.size ? html`<div class="error-summary" role="alert" aria-labelledby="error-title" tabindex="-1" id="errors"><h2 id="error-title">请修改以下${errors.size}项后再提交</h2><ul>${[...errors].map(([f, m]) => html`<li><a href="#f-${f}">${FIELDS[f][1]}：${m}</a></li>`)}</ul></div>` : ''}
<form class="request-form" method="post" action="/requests/new" novalidate>
<fieldset><legend>受理机关</legend>
${select('agency', [['', '请选择'], ...agencies.map((a) => [a.code, a.name] as const)], values.agency, errors)}
</fieldset>
<fieldset><legend>申请人信息</legend>
${select('type', REQUESTER_TYPES.map((t) => [t, REQUESTER_TYPE_NAMES[t]] as const), values.type ?? 'natural', errors)}
${input('name', 'text', values.name, errors, { required: true, autocomplete: 'name' })}
${select('idType', ID_TYPES.map((t) => [t, ID_TYPE_NAMES[t]] as const), values.idType ?? 'resident-id', errors)}
${input('idNumber', 'text', values.idNumber, errors, { required: true, hint: '证件号码加密保存，仅受理机关可见，页面只显示部分号码。', autocomplete: 'off' })}
${input('phone', 'tel', values.phone, errors, { autocomplete: 'tel', hint: '联系电话、电子邮箱、通信地址至少填写一项。' })}
${input('email', 'email', values.email, errors, { autocomplete: 'email' })}
${input('address', 'text', values.address, errors, { autocomplete: 'street-address' })}
</fieldset>
<fieldset><legend>所需信息</legend>
<label for="f-description">${FIELDS.description[1]}（必填）</label>
<p class="hint" id="h-description">请写明信息的名称、文号或者便于查询的其他特征性描述。</p>
${errors.has('description') ? html`<p class="field-error" id="e-description">${errors.get('description')}</p>` : ''}
<textarea id="f-description" name="description" required aria-describedby="h-description${errors.has('description') ? ' e-description' : ''}"${errors.has('description') ? html` aria-invalid="true"` : ''}>${values.description ?? ''}</textarea>
${select('delivery', DELIVERY_FORMS.map((d) => [d, DELIVERY_FORM_NAMES[d]] as const), values.delivery ?? 'email', errors)}
</fieldset>
<p><button type="submit">提交申请</button></p>
</form>
<p><a href="/requests/status">查询已提交申请的办理情况</a></p>`;
}

function statusForm(values: Record<string, string>, error?: string): SafeHtml {
  return html`<link rel="stylesheet" href="/requests/requests.css">
<h1>申请办理情况查询</h1>
${error ? html`<div class="error-summary" role="alert" id="errors" tabindex="-1"><p>${error}</p></div>` : ''}
<form class="request-form" method="post" action="/requests/status">
<label for="f-receipt">受理编号（必填）</label>
<p class="hint" id="h-receipt">如 Y20261009-7K3M9QXD，提交申请后显示。</p>
<input type="text" id="f-receipt" name="receipt" value="${values.receipt ?? ''}" required autocomplete="off" aria-describedby="h-receipt">
<label for="f-code">查询码（必填）</label>
<input type="text" id="f-code" name="code" value="" required autocomplete="off">
<p><button type="submit">查询</button></p>
</form>`;
}

type StatusView = Awaited<ReturnType<typeof requestStatus>>;

function statusBody(view: StatusView): SafeHtml {
  const STATE: Record<string, string> = {
    'awaiting-receipt': '已提交，待机关确认收到',
    'in-progress': '办理中',
    'awaiting-correction': '待您补正',
    consulting: '征求意见中（期间不计入答复期限）',
    decided: '已答复',
    abandoned: '已终止（视为放弃申请）',
  };
  return html`<link rel="stylesheet" href="/requests/requests.css">
<h1>申请办理情况</h1>
<dl class="receipt">
<dt>受理编号</dt><dd><code>${view.receiptNumber}</code></dd>
<dt>申请人</dt><dd>${view.requester.name}（证件号码 ${view.requester.idNumber}）</dd>
<dt>状态</dt><dd>${STATE[view.state] ?? view.state}</dd>
${view.receivedOn ? html`<dt>收到申请之日</dt><dd>${view.receivedOn}</dd>` : ''}
${view.dueOn ? html`<dt>答复期限</dt><dd>${view.dueOn}${view.extendedDays ? `（已延长${view.extendedDays}个工作日）` : ''}</dd>` : ''}
${view.correctionDueOn ? html`<dt>补正期限</dt><dd>${view.correctionDueOn}</dd>` : ''}
</dl>
<h2>办理过程</h2>
<ol class="steps">${view.events.map((e) => {
    const extra = e as { items?: string; reason?: string; days?: number; dueOn?: string; approvedBy?: string };
    return html`<li><time datetime="${e.on}">${e.on}</time> ${e.name}${extra.items ? html`：${extra.items}（请于${extra.dueOn}前补正）` : ''}${extra.days ? html`：${extra.approvedBy}，延长${extra.days}个工作日，理由：${extra.reason}` : ''}${e.note && !extra.days ? html`。${e.note}` : ''}</li>`;
  })}</ol>
${view.reply ? html`<h2>答复</h2>
<p><strong>${view.reply.decisionName}${view.reply.reasonName ? `（${view.reply.reasonName}）` : ''}</strong>，依据${view.reply.basis}。</p>
<p>${view.reply.notice}</p><p>${view.reply.text}</p>
${view.reply.location ? html`<p>获取途径：${view.reply.location}${view.reply.url ? html`，<a href="${view.reply.url}">${view.reply.url}</a>` : ''}</p>` : ''}
${view.reply.information ? html`<p>${view.reply.information}</p>` : ''}
${view.reply.withheldReason ? html`<p>不予公开部分的理由：${view.reply.withheldReason}</p>` : ''}
${view.reply.responsibleAgency ? html`<p>负责公开该信息的机关：${view.reply.responsibleAgency}</p>` : ''}
${view.reply.attachments?.length ? html`<ul>${view.reply.attachments.map((a) => html`<li><a href="${a.url}">${a.name}</a></li>`)}</ul>` : ''}` : ''}`;
}

function formToInput(form: Record<string, string>) {
  const value = (name: string) => (form[name]?.trim() ? form[name]!.trim() : undefined);
  return {
    agency: value('agency') ?? '',
    requester: {
      type: value('type'),
      name: value('name') ?? '',
      idType: value('idType'),
      idNumber: value('idNumber') ?? '',
      contact: { ...(value('phone') ? { phone: value('phone') } : {}), ...(value('email') ? { email: value('email') } : {}), ...(value('address') ? { address: value('address') } : {}) },
    },
    description: value('description') ?? '',
    delivery: value('delivery'),
  };
}

export function requestPages(deps: RequestPageDeps): Middleware {
  const { services } = deps;
  const router = new Router();
  const guards: Middleware[] = [...(deps.rateLimit ? [deps.rateLimit] : []), pageSecurityHeaders(SITE_CSP)];
  const page = (ctx: Context, title: string, body: SafeHtml, path: string, status = 200) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    // A resident's own data (or a form for it): never cached, never indexed.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = sitePage({ title, body, canonicalPath: path, noindex: true }, siteContext(ctx, { publicBaseUrl: deps.publicBaseUrl }));
  };

  router.get('/requests/requests.css', ...guards, (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = STYLE;
  });
  router.get('/requests/new', ...guards, async (ctx) => {
    page(ctx, '政府信息公开申请', formBody(await agencyOptions(services), {}, new Map()), '/requests/new');
  });
  router.post('/requests/new', ...guards, async (ctx) => {
    const form = await readForm(ctx);
    const agencies = await agencyOptions(services);
    try {
      const input = submitRequestInput.parse(formToInput(form));
      const submitted = await submitRequest(services.requests, input, { channel: 'web' });
      const agency = agencies.find((a) => a.code === input.agency)?.name ?? input.agency;
      page(
        ctx,
        '申请已提交',
        html`<link rel="stylesheet" href="/requests/requests.css"><h1>申请已提交</h1>
<div class="receipt" role="status"><p>受理机关：${agency}</p><p>受理编号：<code>${submitted.receiptNumber}</code></p><p>查询码：<code>${submitted.accessCode}</code></p></div>
<p>请记下受理编号和查询码（查询码只显示这一次），凭二者<a href="/requests/status">查询办理情况</a>。机关确认收到申请之日起20个工作日内答复。</p>`,
        '/requests/new',
        201,
      );
    } catch (error) {
      if (error instanceof UnavailableError) {
        page(ctx, '暂不能在线提交', html`<h1>暂不能在线提交申请</h1><p role="alert">本网站暂未开通在线申请（未配置个人信息加密密钥）。请当面或邮寄提交政府信息公开申请。</p>`, '/requests/new', 503);
        return;
      }
      const errors = new Map<FieldName, string>();
      for (const problem of problemsOf(error)) {
        const field = fieldOf(problem.path);
        if (!errors.has(field)) errors.set(field, CHINESE_MESSAGES[field] ?? `请检查${FIELDS[field][1]}`);
      }
      // The ID number is not sent back into the page.
      const { idNumber: _id, ...kept } = form;
      page(ctx, '政府信息公开申请（请修改）', formBody(agencies, kept, errors), '/requests/new', 400);
    }
  });
  router.get('/requests/status', ...guards, (ctx) => page(ctx, '申请办理情况查询', statusForm({}), '/requests/status'));
  router.post('/requests/status', ...guards, async (ctx) => {
    const form = await readForm(ctx);
    const receipt = (form.receipt ?? '').trim().toUpperCase();
    const code = (form.code ?? '').trim().toUpperCase();
    try {
      if (!/^Y\d{8}-[0-9A-Z]{8}$/.test(receipt) || !/^[0-9A-Z]{10}$/.test(code)) throw new NotFoundError();
      page(ctx, '申请办理情况', statusBody(await requestStatus(services.requests, receipt, code)), '/requests/status');
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      page(ctx, '申请办理情况查询', statusForm({ receipt }, '没有找到与该受理编号和查询码对应的申请，请核对后重试。'), '/requests/status', 404);
    }
  });
  const routes = router.routes();
  return (ctx, next) => (ctx.path.startsWith('/requests/') ? routes(ctx as never, next) : next());
}


