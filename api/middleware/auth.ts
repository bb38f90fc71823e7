import type { Middleware } from 'koa';
import type { Connection } from 'mongoose';
import { authenticateKey, type Principal } from '../../core/agencies/api-keys.ts';
import { AuthenticationError, ForbiddenError } from '../../core/errors.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { CSRF_HEADER, type StaffSessions } from '../staff/staff-session.ts';

/**
 * Agency endpoints: `Authorization: Bearer <apiKey>` with one of the given roles.
 * The principal lands in ctx.state.principal; scoping to the agency is done by core.
 */
export function requireKey(db: Connection, ...roles: Role[]): Middleware {
  return requireAgencyCaller(db, roles);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Agency endpoints for integrators (an API key, as `requireKey`) and for the console (a staff
 * session cookie, when `staff` is given): the same roles, the same agency scoping. A key wins
 * when both are sent. A cookie-authenticated request that changes state must carry the
 * session's CSRF token in `X-CSRF-Token` (403 otherwise); Bearer calls need none (a browser
 * never attaches a key by itself).
 */
export function requireAgencyCaller(db: Connection, roles: Role[], staff?: StaffSessions): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (!header && staff?.hasCookie(ctx)) {
      const principal = await staff.principal(ctx);
      if (!principal) throw new AuthenticationError('the staff session has expired or ended; sign in again');
      if (!SAFE_METHODS.has(ctx.method) && !staff.csrfMatches(principal, ctx.get(CSRF_HEADER) || undefined)) {
        throw new ForbiddenError(`this request needs the session's CSRF token in ${CSRF_HEADER}`);
      }
      if (roles.length && !roles.includes(principal.role)) {
        throw new ForbiddenError(`this endpoint needs the role ${roles.join(' or ')}; the account has ${principal.role}`);
      }
      ctx.state.principal = principal;
      await next();
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer realm="gongkai"');
      throw new AuthenticationError(header ? 'Authorization must be "Bearer <apiKey>"' : 'authentication required');
    }
    const principal = await authenticateKey(db, match[1]!);
    if (roles.length && !roles.includes(principal.role)) {
      throw new ForbiddenError(`this endpoint needs the role ${roles.join(' or ')}; the key has ${principal.role}`);
    }
    ctx.state.principal = principal;
    await next();
  };
}

export function principalOf(state: { principal?: Principal }): Principal {
  if (!state.principal) throw new AuthenticationError();
  return state.principal;
}
