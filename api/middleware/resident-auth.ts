import type { Middleware } from 'koa';
import type { Connection } from 'mongoose';
import { AuthenticationError } from '../../core/errors.ts';
import type { SubscriberRecord } from '../../core/models/subscriber.model.ts';
import { residentOfSession } from '../../core/residents/login.ts';
import type { Sessions } from '../../core/residents/session.ts';

/** Mini-program endpoints: `Authorization: Bearer <session>` from POST /api/v1/mp/login. */
export function requireResident(db: Connection, sessions: Sessions): Middleware {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
    if (!match) throw new AuthenticationError('log in first (POST /api/v1/mp/login)');
    const subscriber = await residentOfSession(db, sessions, match[1]!);
    if (!subscriber) throw new AuthenticationError('no such resident; log in again');
    ctx.state.resident = subscriber;
    await next();
  };
}

export function residentOf(state: { resident?: SubscriberRecord }): SubscriberRecord {
  if (!state.resident) throw new AuthenticationError();
  return state.resident;
}
