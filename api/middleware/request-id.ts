import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const HEADER = 'X-Request-Id';
// Accept an id from a trusted proxy only when it cannot smuggle anything into logs.
const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id, echoed in the response and attached to its log lines. */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get(HEADER);
    const id = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set(HEADER, id);
    await next();
  };
}
