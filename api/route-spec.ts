import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Connection } from 'mongoose';
import type { z } from 'zod';
import type { Principal } from '../core/agencies/api-keys.ts';
import type { Role } from '../core/models/api-key.model.ts';
import { requireAgencyCaller } from './middleware/auth.ts';
import type { StaffSessions } from './staff/staff-session.ts';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
}

/**
 * A route as data: what it accepts (zod), who may call it, and a thin handler. The same
 * objects mount the router and generate /openapi.json, so the document cannot drift.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** Roles allowed; absent means public. */
  auth?: Role[];
  /** A signed-in mini-program resident (session from /api/v1/mp/login). */
  resident?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Extra request headers documented in OpenAPI (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  responses: Record<number, string>;
  /** Response media types other than JSON (feeds, CSV). */
  produces?: string[];
  /** A request body that is a file's bytes rather than JSON (the handler reads it): its media types and what it is. */
  rawBody?: { types: string[]; description: string };
  handler: (ctx: Context, input: RouteInput<P, Q, B>) => Promise<void> | void;
}

export function route<P = unknown, Q = unknown, B = unknown>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export function mount(
  router: Router,
  db: Connection,
  specs: RouteSpec[],
  extra: (spec: RouteSpec) => Middleware[] = () => [],
  resident?: Middleware,
  /** Runs after a valid API key, e.g. the per-key rate limit. */
  keyLimit?: Middleware,
  /** Runs before the API key is checked, e.g. the limit on failed authentications. */
  authGuard?: Middleware,
  /** Console staff sessions, accepted wherever a key is (same roles and scoping). */
  staff?: StaffSessions,
): void {
  for (const spec of specs) {
    if (spec.resident && !resident) throw new Error(`${spec.path} needs resident sessions`);
    const handlers = [
      ...extra(spec),
      ...(spec.auth ? [...(authGuard ? [authGuard] : []), requireAgencyCaller(db, spec.auth, staff), ...(keyLimit ? [keyLimit] : [])] : []),
      ...(spec.resident ? [resident!] : []),
      async (ctx: Context) => {
        const input = {
          params: spec.params ? spec.params.parse(ctx.params) : ctx.params,
          query: spec.query ? spec.query.parse({ ...ctx.query }) : {},
          body: spec.body ? spec.body.parse(ctx.request.body ?? {}) : undefined,
          principal: ctx.state.principal as Principal | undefined,
        };
        await spec.handler(ctx, input);
      },
    ];
    router[spec.method](spec.path, ...(handlers as [never]));
  }
}
