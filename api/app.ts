import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import type { Logger } from 'pino';
import { accessLog } from './middleware/access-log.ts';
import { errorHandler } from './middleware/errors.ts';
import { requestId } from './middleware/request-id.ts';
import { healthRoutes, type HealthDeps } from './routes/health.routes.ts';

export interface AppDeps extends HealthDeps {
  logger: Logger;
  bodyLimit: string;
}

/** Builds the Koa application without listening, so tests drive `app.callback()` directly. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  // Koa would print every error to stderr; ours are logged once, by the error handler.
  app.silent = true;

  app.use(requestId());
  app.use(accessLog(deps.logger));
  app.use(errorHandler());
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: deps.bodyLimit,
      jsonStrict: true,
      encoding: 'utf-8',
    }),
  );

  for (const router of [healthRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true }));
  }
  return app;
}
