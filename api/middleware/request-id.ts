import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const HEADER = 'X-Request-Id';
// Accept an id from a trusted proxy only when it cannot smuggle anything into logs.
const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request's id: the one a proxy sent when it is safe to log, else a new one. */
export const requestIdOf = (incoming: string | undefined): string => (incoming && SAFE_ID.test(incoming) ? incoming : randomUUID());

/** Gives every request an id, echoed in the response and attached to its log lines. */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const id = requestIdOf(ctx.get(HEADER));
    ctx.state.requestId = id;
    ctx.set(HEADER, id);
    await next();
  };
}
