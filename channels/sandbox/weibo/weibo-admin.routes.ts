import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { WeiboSandboxControl } from './weibo-control.ts';

const reaction = z.object({
  text: z.string().min(1),
  user: z.object({ id: z.string().regex(/^\d+$/).optional(), screenName: z.string().optional(), location: z.string().optional() }).optional(),
  visibleToApp: z.boolean().optional(),
});
const fault = z.object({
  path: z.string().startsWith('/2/').optional(),
  errorCode: z.number().int().optional(),
  error: z.string().optional(),
  http: z.number().int().min(400).max(599).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  count: z.number().int().min(1).optional(),
});
const limits = z.object({
  callsPerHour: z.number().int().min(0).optional(),
  postsPerHour: z.number().int().min(0).optional(),
  ipCallsPerHour: z.number().int().min(0).optional(),
  commentsPerHour: z.number().int().min(0).optional(),
});

function input<T>(schema: z.ZodType<T>, ctx: Context): T | undefined {
  const parsed = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
  if (parsed.success) return parsed.data;
  ctx.status = 400;
  ctx.body = { error: z.prettifyError(parsed.error) };
  return undefined;
}

/**
 * The control API as JSON, for humans with curl, e.g.
 * `curl -X POST localhost:PORT/sandbox/admin/weibo/faults -H 'content-type: application/json' -d '{"errorCode":10023}'`.
 */
export function weiboAdminRouter(control: WeiboSandboxControl): Router {
  const router = new Router({ prefix: '/sandbox/admin/weibo' });
  router.post('/tokens', (ctx) => {
    const body = input(z.object({ uid: z.string().regex(/^\d+$/), expiresInSeconds: z.number().int().positive().optional() }), ctx);
    if (!body) return;
    const expiresIn = body.expiresInSeconds ?? 24 * 3600;
    ctx.body = { access_token: control.issueToken(body.uid, { expiresInSeconds: expiresIn }), expires_in: expiresIn, uid: body.uid };
  });
  router.post('/tokens/revoke', (ctx) => {
    const body = input(z.object({ token: z.string().min(1) }), ctx);
    if (!body) return;
    control.revokeToken(body.token);
    ctx.body = { ok: true };
  });
  router.put('/safe-domain', (ctx) => {
    const body = input(z.object({ domain: z.union([z.string().min(1), z.array(z.string().min(1))]) }), ctx);
    if (!body) return;
    control.setSafeDomain(body.domain);
    ctx.body = { ok: true };
  });
  for (const kind of ['comments', 'reposts'] as const) {
    router.post(`/statuses/:id/${kind}`, (ctx) => {
      const body = input(reaction, ctx);
      if (!body) return;
      try {
        const idstr = kind === 'comments' ? control.addComment(ctx.params.id ?? '', body) : control.addRepost(ctx.params.id ?? '', body);
        ctx.body = { idstr };
      } catch (error) {
        ctx.status = 404;
        ctx.body = { error: (error as Error).message };
      }
    });
  }
  router.post('/mentions', (ctx) => {
    const body = input(reaction.extend({ mentionedUid: z.string().regex(/^\d+$/).optional() }), ctx);
    if (!body) return;
    const { mentionedUid, ...mention } = body;
    ctx.body = { idstr: control.addMention(mention, mentionedUid) };
  });
  router.post('/faults', (ctx) => {
    const body = input(fault, ctx);
    if (!body) return;
    control.fault(body);
    ctx.body = { ok: true };
  });
  router.put('/rate-limit', (ctx) => {
    const body = input(limits, ctx);
    if (!body) return;
    control.setRateLimit(body);
    ctx.body = { ok: true };
  });
  router.get('/statuses', (ctx) => {
    ctx.body = { items: control.statuses() };
  });
  router.post('/reset', (ctx) => {
    control.reset();
    ctx.body = { ok: true };
  });
  return router;
}
