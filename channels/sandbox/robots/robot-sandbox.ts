import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DINGTALK_TIMESTAMP_WINDOW_MS, signMatches } from '../../staff-alerts/dingtalk-sign.ts';
import type { SandboxOutbox } from '../outbox.ts';
import { RobotSandboxState, type DingtalkRobotSetup, type WecomRobotSetup } from './robot-state.ts';

export { SANDBOX_ROBOTS } from './robot-state.ts';
export type { DingtalkRobotSetup, WecomRobotSetup } from './robot-state.ts';

export interface RobotSandboxControl {
  registerWecom(setup: WecomRobotSetup): void;
  registerDingtalk(setup: DingtalkRobotSetup): void;
  /** Forgets registered robots and spent minutes (the built-in robots stay). */
  reset(): void;
}

const answer = (ctx: Context, errcode: number, errmsg: string) => {
  // Both platforms answer refusals with HTTP 200 and the code in the body.
  ctx.body = { errcode, errmsg };
};

/** The text a DingTalk keyword is looked for in: every string of the message. */
const messageText = (body: unknown): string => (typeof body === 'string' ? body : body && typeof body === 'object' ? Object.values(body).map(messageText).join('\n') : '');

/**
 * Stand-ins for the WeCom group robot (`POST /cgi-bin/webhook/send?key=`) and the DingTalk custom
 * robot (`POST /robot/send?access_token=`), checking what the platforms check: a known key or
 * token (93000 / 300005), DingTalk's 加签 and its one-hour timestamp window, keywords and IP
 * whitelist (all 310000), and 20 messages a minute (45009 / 130101, DingTalk then throttling for 10
 * minutes). Accepted messages go to the outbox as channel `wecom-robot` / `dingtalk-robot`, the
 * body as sent and the robot's key or token left out. Needs a JSON body parser in front.
 */
export function createRobotSandbox(outbox: SandboxOutbox, options: { now?: () => number } = {}) {
  const state = new RobotSandboxState(options.now);
  const router = new Router();
  let received = 0;

  router.post('/cgi-bin/webhook/send', (ctx) => {
    const robot = state.wecom.get(String(ctx.query.key ?? ''));
    if (!robot) return answer(ctx, 93000, 'invalid webhook url, hint: [sandbox]');
    const body = (ctx.request as { body?: Record<string, unknown> }).body;
    const type = body?.msgtype;
    const content = type === 'markdown' || type === 'text' ? (body?.[type] as { content?: unknown } | undefined)?.content : undefined;
    // 40008 and 40058 are the sandbox's own codes for a malformed message, not confirmed vendor ones.
    if (typeof content !== 'string' || !content) return answer(ctx, 40008, 'invalid message type or empty content');
    // Text content is at most 2048 bytes (the documented limit).
    if (type === 'text' && Buffer.byteLength(content, 'utf8') > 2048) return answer(ctx, 40058, 'content exceed max length');
    if (!state.take(robot)) return answer(ctx, 45009, 'api freq out of limit');
    received += 1;
    outbox.record({ channel: 'wecom-robot', path: '/cgi-bin/webhook/send', body, externalId: `wecom-${received}` });
    answer(ctx, 0, 'ok');
  });

  router.post('/robot/send', (ctx) => {
    const robot = state.dingtalk.get(String(ctx.query.access_token ?? ''));
    if (!robot) return answer(ctx, 300005, 'token is not exist');
    const now = state.now();
    if (robot.ips && !robot.ips.includes(ctx.ip.replace(/^::ffff:/, ''))) return answer(ctx, 310000, `ip ${ctx.ip} not in whitelist`);
    if (robot.secret) {
      const timestamp = Number(ctx.query.timestamp);
      const sign = typeof ctx.query.sign === 'string' ? ctx.query.sign : '';
      if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > DINGTALK_TIMESTAMP_WINDOW_MS) return answer(ctx, 310000, 'invalid timestamp');
      if (!signMatches(robot.secret, timestamp, sign)) return answer(ctx, 310000, 'sign not match');
    }
    const body = (ctx.request as { body?: Record<string, unknown> }).body;
    if (!body || typeof body.msgtype !== 'string') return answer(ctx, 40035, '缺少参数 msgtype');
    if (robot.keywords?.length && !robot.keywords.some((k) => messageText(body).includes(k))) return answer(ctx, 310000, 'keywords not in content');
    if (robot.throttledUntil && now < robot.throttledUntil) return answer(ctx, 130101, 'send too fast, exceed 20 times per minute');
    if (!state.take(robot)) {
      robot.throttledUntil = now + 10 * 60_000;
      return answer(ctx, 130101, 'send too fast, exceed 20 times per minute');
    }
    received += 1;
    outbox.record({ channel: 'dingtalk-robot', path: '/robot/send', body, externalId: `dingtalk-${received}` });
    answer(ctx, 0, 'ok');
  });

  const control: RobotSandboxControl = {
    registerWecom: (setup) => state.registerWecom(setup),
    registerDingtalk: (setup) => state.registerDingtalk(setup),
    reset: () => state.reset(),
  };

  const wecomInput = z.object({ key: z.string().min(1).max(100), perMinute: z.number().int().min(0).max(1000).optional() }).strict();
  const dingtalkInput = z
    .object({
      accessToken: z.string().min(1).max(200),
      secret: z.string().min(1).max(200).optional(),
      keywords: z.array(z.string().min(1).max(50)).max(10).optional(),
      ips: z.array(z.string().min(1)).max(10).optional(),
      perMinute: z.number().int().min(0).max(1000).optional(),
    })
    .strict();
  const admin = (schema: z.ZodType, register: (value: never) => void) => (ctx: Context) => {
    const parsed = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = { error: z.prettifyError(parsed.error) };
      return;
    }
    register(parsed.data as never);
    ctx.body = { ok: true };
  };
  router.post('/sandbox/admin/robots/wecom', admin(wecomInput, control.registerWecom));
  router.post('/sandbox/admin/robots/dingtalk', admin(dingtalkInput, control.registerDingtalk));
  router.post('/sandbox/admin/robots/reset', (ctx) => {
    control.reset();
    ctx.body = { ok: true };
  });
  return { router, control };
}
