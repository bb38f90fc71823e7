import http from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { OUTBOX_CHANNELS, SandboxOutbox, type OutboxChannel } from './outbox.ts';
import { persistSandbox, type Persisted } from './persist.ts';
import { createRobotSandbox } from './robots/robot-sandbox.ts';
import { createWebhookReceiver } from './webhook-receiver.ts';
import { createWechatSandbox, type WechatSandboxOptions } from './wechat/wechat-sandbox.ts';
import { createWeiboSandbox, type WeiboSandboxOptions } from './weibo/weibo-sandbox.ts';

export interface SandboxOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  wechat?: WechatSandboxOptions;
  weibo?: WeiboSandboxOptions;
  /** Secret the sandbox's webhook receiver verifies signatures with. */
  webhookSecret?: string;
  /** Clock (epoch ms) of the group-robot sandboxes: DingTalk's timestamp window and both robots' per-minute limits. */
  robotsNow?: () => number;
  /**
   * Guards its own pages (`/sandbox/*`: outbox and admin): given, a request there is answered
   * only when this says yes to its Authorization header (NODE_ENV=production: an admin key).
   * The platform endpoints the channels call are not guarded; they check their own tokens.
   */
  authorize?: (authorization: string | undefined) => Promise<boolean>;
  /**
   * Keeps followers, consents, templates, tokens, statuses and the outbox in this file across
   * restarts (`npm start` puts it in the data folder). Unset: memory only, as tests want.
   */
  stateFile?: string;
  /** Where problems with the state file are reported. */
  warn?: (message: string) => void;
}

/**
 * Local stand-ins for WeChat and Weibo (same paths, checks, error codes, quotas and token
 * expiry as the reference notes) plus a webhook receiver, on one HTTP server. Used by the
 * tests and by `npm start` without credentials.
 */
export async function startSandbox(options: SandboxOptions = {}) {
  const outbox = new SandboxOutbox();
  const wechat = createWechatSandbox(outbox, options.wechat);
  const weibo = createWeiboSandbox(outbox, options.weibo);
  const webhook = createWebhookReceiver(outbox, options.webhookSecret ?? 'sandbox-webhook-secret');
  const persistence = options.stateFile
    ? persistSandbox(options.stateFile, { wechat: wechat.persisted, weibo: weibo.persisted, outbox } as Record<string, Persisted<unknown>>, options.warn)
    : undefined;
  const robots = createRobotSandbox(outbox, options.robotsNow ? { now: options.robotsNow } : {});

  const app = new Koa();
  app.silent = true;
  if (persistence) {
    // Any request may change state (a send, a follower, a token): written within a second.
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        persistence.touch();
      }
    });
  }
  const admin = new Router();
  admin.get('/sandbox/outbox', (ctx) => {
    const channel = typeof ctx.query.channel === 'string' ? ctx.query.channel : undefined;
    if (channel && !(OUTBOX_CHANNELS as readonly string[]).includes(channel)) {
      ctx.status = 400;
      ctx.body = { error: `channel must be one of ${OUTBOX_CHANNELS.join(', ')}` };
      return;
    }
    ctx.body = { items: outbox.list(channel as OutboxChannel | undefined) };
  });
  // Raw bodies first: the webhook receiver verifies the signature over the exact bytes.
  const authorize = options.authorize;
  if (authorize) {
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith('/sandbox/')) return next();
      if (await authorize(ctx.get('authorization') || undefined)) return next();
      ctx.status = 401;
      ctx.body = { error: 'the sandbox pages need an admin API key (Authorization: Bearer …) with NODE_ENV=production' };
    });
  }
  app.use(webhook.router.routes());
  app.use(bodyParser({ enableTypes: ['json', 'form', 'text'], jsonLimit: '2mb' }));
  for (const router of [admin, wechat.router, weibo.router, robots.router]) app.use(router.routes());

  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    outbox,
    wechat: wechat.control,
    weibo: weibo.control,
    robots: robots.control,
    webhook: { url: `${url}${webhook.path}`, secret: webhook.secret, control: webhook.control },
    /** Whether state was read back from `stateFile`. */
    restored: persistence?.restored ?? false,
    /** Writes the state file now (tests, and changes made through `wechat`/`weibo` controls). */
    saveState: () => {
      persistence?.touch();
      persistence?.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        persistence?.stop();
        persistence?.touch();
        persistence?.flush();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
