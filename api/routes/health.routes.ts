import Router from '@koa/router';
import type { Connection } from 'mongoose';
import { pingDb } from '../../core/db.ts';

export interface HealthDeps {
  db: Connection;
  queue: { readonly processing: boolean; readonly takesJobs: boolean };
}

/**
 * /healthz answers while the process can serve HTTP at all (for restarts by the supervisor);
 * /readyz answers 200 only when requests can succeed (for the load balancer).
 */
export function healthRoutes({ db, queue }: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const database = (await pingDb(db)) ? 'ok' : 'unreachable';
    const jobs = !queue.takesJobs ? 'enqueue-only' : queue.processing ? 'processing' : 'stopped';
    const ready = database === 'ok' && jobs !== 'stopped';
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: { database, jobs } };
  });
  return router;
}
