import type { Connection } from 'mongoose';
import type { CalendarStore } from '../../core/calendar/calendar-store.ts';
import { todayInChina } from '../../core/calendar/due-date.ts';
import { pingDb } from '../../core/db.ts';
import { route } from '../route-spec.ts';

export interface HealthDeps {
  db: Connection;
  queue: { readonly processing: boolean; readonly takesJobs: boolean };
  calendar?: CalendarStore;
  /** The read model's state (building, catching up, current) and size, shown in /readyz details. */
  readModel?: { status(): Promise<Record<string, unknown>> };
}

/**
 * /healthz answers while the process can serve HTTP at all (for restarts by the supervisor);
 * /readyz answers 200 only when requests can succeed (for the load balancer). A missing
 * holiday calendar is reported but does not make the service unready: due dates fall back to Mon–Fri.
 * Nor does a read model that is being rebuilt or caught up: lists answer from what it has.
 */
export function healthRoutes({ db, queue, calendar, readModel }: HealthDeps) {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process serves HTTP',
      tag: 'health',
      responses: { 200: 'alive' },
      handler: (ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { status: 'ok' };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database reachable and, in a worker, jobs processing',
      tag: 'health',
      responses: { 200: 'ready', 503: 'not ready; see checks' },
      handler: async (ctx) => {
        const database = (await pingDb(db)) ? 'ok' : 'unreachable';
        const jobs = !queue.takesJobs ? 'enqueue-only' : queue.processing ? 'processing' : 'stopped';
        const ready = database === 'ok' && jobs !== 'stopped';
        ctx.set('Cache-Control', 'no-store');
        ctx.status = ready ? 200 : 503;
        ctx.body = {
          status: ready ? 'ready' : 'unavailable',
          checks: { database, jobs },
          ...(database === 'ok' && (calendar || readModel)
            ? {
                details: {
                  ...(calendar ? { calendar: await calendarDetails(calendar) } : {}),
                  ...(readModel ? { readModel: await readModel.status().catch((error: Error) => ({ error: error.message })) } : {}),
                },
              }
            : {}),
        };
      },
    }),
  ];
}

async function calendarDetails(calendar: CalendarStore) {
  const year = Number(todayInChina(new Date()).slice(0, 4));
  const current = await calendar.current();
  const missingYears = current.missingYears(`${year}-01-01`, `${year + 1}-12-31`);
  return {
    missingYears,
    ...(missingYears.length
      ? { warning: `no official holiday arrangement for ${missingYears.join(', ')}: due dates assume Mon–Fri; load it with npx gongkai calendar load FILE` }
      : {}),
  };
}
