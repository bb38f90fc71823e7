import type { Middleware } from 'koa';
import type { Connection } from 'mongoose';
import { authenticateKey, type Principal } from '../../core/agencies/api-keys.ts';
import { AuthenticationError, ForbiddenError } from '../../core/errors.ts';
import type { Role } from '../../core/models/api-key.model.ts';

/**
 * Agency endpoints: `Authorization: Bearer <apiKey>` with one of the given roles.
 * The principal lands in ctx.state.principal; scoping to the agency is done by core.
 */
export function requireKey(db: Connection, ...roles: Role[]): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
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
