import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/**
 * One line per request: method, path without the query string (it may carry tokens),
 * status and duration. Bodies and headers are deliberately left out.
 */
export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const log = logger.child({ reqId: ctx.state.requestId });
    ctx.state.log = log;
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : 'info';
      log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
