import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { replyError } from './reply.ts';

/**
 * One injected fault. `path` is a WeChat path such as `/cgi-bin/message/template/send`
 * (absent or `*`: every WeChat path, never the admin routes). With `count` it fires on the next
 * `count` matching calls and is then removed; otherwise on a `rate` share of them (default 1).
 * `latencyMs` delays the call; `hold` keeps it waiting until `release(id)` (at most a minute), so
 * a test sees work in flight without guessing how long it takes; `http` answers with that HTTP
 * status; `errcode` answers HTTP 200 with that WeChat error instead of processing.
 */
export const faultSchema = z
  .object({
    path: z.string().min(1).optional(),
    errcode: z.number().int().optional(),
    errmsg: z.string().optional(),
    http: z.number().int().min(400).max(599).optional(),
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    hold: z.boolean().optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((f) => f.errcode !== undefined || f.http !== undefined || f.latencyMs !== undefined || f.hold === true, {
    message: 'a fault needs errcode, http, latencyMs or hold',
  });
export type Fault = z.infer<typeof faultSchema>;
export interface ActiveFault extends Fault {
  id: number;
  fired: number;
}

/** The WeChat API paths (the sandbox server also hosts Weibo, the webhook receiver and admin routes). */
const WECHAT_PATH = /^\/(cgi-bin|sns|wxa)\//;

export class Faults {
  private list: ActiveFault[] = [];
  private nextId = 1;
  /** Held calls by fault id, and whether a release came first. */
  private readonly held = new Map<number, { waiting: (() => void)[]; released: boolean }>();

  /** Adds a fault; returns its id. */
  inject(fault: Fault): number {
    const parsed = faultSchema.parse(fault);
    const id = this.nextId++;
    this.list.push({ ...parsed, id, fired: 0 });
    if (this.list.length > 100) this.list.shift();
    return id;
  }

  active(): ActiveFault[] {
    return this.list.map((fault) => ({ ...fault }));
  }

  /** Lets the calls a `hold` fault keeps (and any it would keep later) go on. */
  release(id: number): void {
    const entry = this.holdOf(id);
    entry.released = true;
    for (const go of entry.waiting.splice(0)) go();
  }

  /** How many calls a `hold` fault is keeping now. */
  holding(id: number): number {
    return this.held.get(id)?.waiting.length ?? 0;
  }

  private holdOf(id: number) {
    let entry = this.held.get(id);
    if (!entry) this.held.set(id, (entry = { waiting: [], released: false }));
    return entry;
  }

  remove(id: number): void {
    this.list = this.list.filter((fault) => fault.id !== id);
  }

  clear(): void {
    this.list = [];
  }

  /** Koa middleware for the WeChat routes: applies the faults that fire for this path. */
  middleware() {
    return async (ctx: Context, next: Next) => {
      if (!WECHAT_PATH.test(ctx.path)) return next();
      for (const fault of this.list.filter((f) => f.path === undefined || f.path === '*' || f.path === ctx.path)) {
        if (!this.fires(fault)) continue;
        if (fault.latencyMs) await sleep(fault.latencyMs);
        if (fault.hold) {
          const entry = this.holdOf(fault.id);
          if (!entry.released) await Promise.race([new Promise<void>((go) => entry.waiting.push(go)), sleep(60_000, undefined, { ref: false })]);
        }
        if (fault.http !== undefined) {
          ctx.status = fault.http;
          ctx.type = 'text/html';
          ctx.body = `<html><body>sandbox fault ${fault.http}</body></html>`;
          return;
        }
        if (fault.errcode !== undefined) return replyError(ctx, fault.errcode, fault.errmsg ?? 'sandbox injected fault');
      }
      return next();
    };
  }

  private fires(fault: ActiveFault): boolean {
    if (fault.count !== undefined) {
      fault.fired += 1;
      if (fault.fired >= fault.count) this.remove(fault.id);
      return true;
    }
    const fire = (fault.rate ?? 1) >= 1 || Math.random() < (fault.rate ?? 1);
    if (fire) fault.fired += 1;
    return fire;
  }
}
