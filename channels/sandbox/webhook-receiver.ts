import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import type { Context } from 'koa';
import { verifyWebhook } from '../webhook/signature.ts';
import type { SandboxOutbox } from './outbox.ts';

const PATH = '/webhook/receive';
const MAX_BODY = 1 << 20;

/** The next `count` deliveries (default 1) get `http` (e.g. 503, or 429 with `retryAfter` seconds). */
export interface WebhookReceiverFault {
  http: number;
  retryAfter?: number | string;
  count?: number;
}

export interface WebhookReceiverControl {
  fault(fault: WebhookReceiverFault): void;
  reset(): void;
}

async function readRaw(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answerFault(ctx: Context, fault: { http: number; retryAfter?: number | string }): void {
  ctx.status = fault.http;
  if (fault.retryAfter !== undefined) ctx.set('Retry-After', String(fault.retryAfter));
  ctx.body = { error: 'sandbox fault' };
}

/**
 * A subscriber endpoint that checks gongkai's webhook signatures over the raw body (so it is mounted
 * before any body parser), answers 401 with the reason when they fail, and records valid deliveries
 * in the outbox as channel 'webhook'. Faults: `control.fault(…)`, `POST /sandbox/admin/webhook/faults`
 * (JSON `{http, retryAfter?, count?}`), or a static `?status=503&retryAfter=7` on the endpoint URL.
 */
export function createWebhookReceiver(outbox: SandboxOutbox, secret: string) {
  let faults: (WebhookReceiverFault & { count: number })[] = [];
  let received = 0;
  const control: WebhookReceiverControl = {
    fault: (fault) => {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    reset: () => {
      faults = [];
    },
  };
  const router = new Router();

  router.post(PATH, async (ctx) => {
    const raw = await readRaw(ctx.req);
    if (!raw) {
      ctx.status = 413;
      ctx.body = { error: 'body too large' };
      return;
    }
    const queued = faults[0];
    if (queued) {
      queued.count -= 1;
      if (queued.count <= 0) faults.shift();
      return answerFault(ctx, queued);
    }
    const status = Number(ctx.query.status);
    if (status >= 400) return answerFault(ctx, { http: status, ...(typeof ctx.query.retryAfter === 'string' ? { retryAfter: ctx.query.retryAfter } : {}) });

    const verdict = verifyWebhook({ secret, rawBody: raw, headers: ctx.headers });
    if (!verdict.ok) {
      ctx.status = 401;
      ctx.body = { error: verdict.reason };
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'body is not JSON' };
      return;
    }
    received += 1;
    const requestId = `wh-${received}`;
    outbox.record({ channel: 'webhook', path: PATH, body, externalId: requestId });
    ctx.set('X-Request-Id', requestId);
    ctx.body = { ok: true, requestId };
  });

  router.post('/sandbox/admin/webhook/faults', async (ctx) => {
    let fault: WebhookReceiverFault | undefined;
    try {
      fault = JSON.parse((await readRaw(ctx.req))?.toString('utf8') ?? '') as WebhookReceiverFault;
    } catch {
      // answered below
    }
    if (!fault || !Number.isInteger(fault.http) || fault.http < 400 || fault.http > 599) {
      ctx.status = 400;
      ctx.body = { error: 'expected JSON {"http": 400–599, "retryAfter"?: seconds, "count"?: n}' };
      return;
    }
    control.fault(fault);
    ctx.body = { ok: true };
  });
  router.post('/sandbox/admin/webhook/reset', (ctx) => {
    control.reset();
    ctx.body = { ok: true };
  });

  return { router, path: PATH, secret, control };
}
