import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { faultSchema } from './faults.ts';
import type { WechatSandboxControl } from './wechat-sandbox.ts';

const BASE = '/sandbox/admin/wechat';
const appid = z.string().min(1);
const openid = z.string().min(1);
const appOnly = z.object({ appid });

async function run(ctx: Context, action: () => unknown): Promise<void> {
  try {
    const result = await action();
    ctx.body = result === undefined ? { ok: true } : result;
  } catch (error) {
    ctx.status =
      error instanceof z.ZodError ? 400 : /unknown (appid|tag|ticket)|no callback|expired/.test(String(error)) ? 404 : /is refused/.test(String(error)) ? 409 : 500;
    ctx.body = { error: error instanceof z.ZodError ? z.prettifyError(error) : String((error as Error).message) };
  }
}

/**
 * The sandbox control as JSON routes under `/sandbox/admin/wechat/*`, for a person driving
 * `npm start` with curl, e.g.
 * `curl -XPOST localhost:3100/sandbox/admin/wechat/faults -H 'content-type: application/json' -d '{"path":"/cgi-bin/message/template/send","errcode":-1,"count":1}'`.
 */
export function adminRoutes(router: Router, control: WechatSandboxControl): void {
  const post = <S extends z.ZodType>(path: string, schema: S, action: (input: z.infer<S>) => unknown) =>
    router.post(`${BASE}${path}`, (ctx) => run(ctx, () => action(schema.parse((ctx.request as { body?: unknown }).body ?? {}))));
  const get = <S extends z.ZodType>(path: string, schema: S, action: (input: z.infer<S>) => unknown) =>
    router.get(`${BASE}${path}`, (ctx) => run(ctx, () => action(schema.parse(ctx.query))));

  post('/apps', z.object({ appid, secret: z.string().min(1), kind: z.enum(['oa', 'mp']) }), (app) => control.registerApp(app));
  post(
    '/followers',
    z.object({ appid, openid, tags: z.array(z.union([z.string(), z.number().int()])).optional(), unionid: z.string().optional() }),
    ({ appid: id, openid: user, ...opts }) => control.addFollower(id, user, opts),
  );
  post('/unfollow', z.object({ appid, openid }), (i) => control.unfollow(i.appid, i.openid));
  post('/subscribers', z.object({ appid, openid, unionid: z.string().optional() }), ({ appid: id, openid: user, ...opts }) =>
    control.addSubscriber(id, user, opts),
  );
  post(
    '/consents',
    z.object({ appid, openid, templateId: z.string().min(1), kind: z.enum(['one-time', 'long-term']), count: z.number().int().min(1).optional() }),
    (i) => control.grantConsent(i.appid, i.openid, i.templateId, i.kind, i.count),
  );
  get('/consents', z.object({ appid, openid: z.string().optional(), templateId: z.string().optional() }), (i) => ({
    items: control.consents(i.appid, i.openid, i.templateId),
  }));
  post(
    '/templates',
    z.object({ appid, templateId: z.string().min(1), keys: z.array(z.string()).optional(), title: z.string().min(1).optional(), kind: z.enum(['one-time', 'long-term']).optional() }),
    (i) => control.registerTemplate(i.appid, i.templateId, i.keys, i.title, i.kind),
  );
  // The user switches the template off in 服务通知: 43101 from now on, subscribe_msg_change_event pushed.
  post('/consents/switch-off', z.object({ appid, openid, templateId: z.string().min(1) }), async (i) => ({
    push: (await control.switchOffConsent(i.appid, i.openid, i.templateId)) ?? null,
  }));
  post('/template-outcomes', z.object({ appid, openid, outcome: z.enum(['success', 'user-block', 'system-failed']) }), (i) =>
    control.setTemplateOutcome(i.appid, i.openid, i.outcome),
  );
  post('/template-msgid-zero', z.object({ appid, on: z.boolean() }), (i) => control.setZeroMsgIdWithClientMsgId(i.appid, i.on));
  // A broadcast by staff in the web console: spends the followers' 4-a-month mass budget.
  post('/console-mass-send', z.object({ appid, tag: z.union([z.string().min(1), z.number().int()]).optional(), toAll: z.boolean().optional() }).refine((i) => i.toAll === true || i.tag !== undefined, { message: 'tag or toAll: true' }), (i) =>
    control.consoleMassSend(i.appid, i),
  );
  get('/pushes', z.object({ appid: z.string().optional(), event: z.string().optional() }), (i) => ({ items: control.pushes(i.appid, i.event) }));
  post('/codes', z.object({ appid, code: z.string().min(1), openid, unionid: z.string().optional() }), (i) =>
    control.issueCode(i.appid, i.code, i.openid, i.unionid),
  );
  post('/tags', z.object({ appid, name: z.string().min(1) }), (i) => ({ id: control.createTag(i.appid, i.name) }));
  post('/quotas', z.object({ appid, endpoint: z.string().startsWith('/'), perDay: z.number().int().min(0) }), (i) =>
    control.setQuota(i.appid, i.endpoint, i.perDay),
  );
  get('/usage', z.object({ appid, endpoint: z.string() }), (i) => ({ used: control.usage(i.appid, i.endpoint) }));
  post('/faults', faultSchema, (fault) => ({ id: control.faults.inject(fault) }));
  get('/faults', z.object({}), () => ({ items: control.faults.active() }));
  router.delete(`${BASE}/faults`, (ctx) => run(ctx, () => control.faults.clear()));
  get('/token-fetches', appOnly, (i) => control.tokenFetches(i.appid));
  post('/tokens/expire', appOnly, (i) => control.expireTokens(i.appid));
  post('/tokens/revoke', appOnly, (i) => control.revokeTokens(i.appid));
  get('/mass-jobs', appOnly, (i) => ({ items: control.massJobs(i.appid) }));
  post(
    '/callback',
    z.object({
      appid,
      url: z.url({ protocol: /^https?$/ }),
      token: z.string().min(1),
      aesKey: z.string().length(43).optional(),
      ghId: z.string().optional(),
      format: z.enum(['xml', 'json']).optional(),
    }),
    ({ appid: id, ...callback }) => control.setCallback(id, callback),
  );
  post('/ip-whitelist', z.object({ appid, ips: z.array(z.string().min(1)).nullable() }), (i) => control.setIpWhitelist(i.appid, i.ips ?? undefined));
  get('/qrcodes', appOnly, (i) => ({ items: control.qrCodes(i.appid) }));
  // e.g. curl -XPOST localhost:3100/sandbox/admin/wechat/scan -H 'content-type: application/json' -d '{"appid":"wx-sandbox-oa","ticket":"gQ…","openid":"o-me"}'
  post('/scan', z.object({ appid, ticket: z.string().min(1), openid }), (i) => control.scan(i.appid, i.ticket, i.openid));
  post('/reset', z.object({}), () => control.reset());
}
