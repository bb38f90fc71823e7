import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import { activeKey } from '../../core/agencies/api-keys.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { ForbiddenError } from '../../core/errors.ts';
import { timingSafeEqual } from 'node:crypto';
import type { StaffSessions } from '../staff/staff-session.ts';
import { PRESS_COOKIE, PRESS_SESSION_TTL_SECONDS, sessionCookie, type PressSessions } from './press-session.ts';

export const PRESS_ROLES: readonly Role[] = ['press', 'admin'];

/** The signed-in press officer of one request. */
export interface PressPrincipal {
  keyId: string;
  agencyCode: string;
  role: Role;
  token: string;
  csrf: string;
}

/**
 * The principal behind the session cookie, or undefined. The key is looked up every time, so a
 * revoked or expired key (or one whose role changed) ends its sessions at once.
 */
export async function pressPrincipal(ctx: Context, db: Connection, sessions: PressSessions, now: Date, staff?: StaffSessions): Promise<PressPrincipal | undefined> {
  const token = ctx.cookies.get(PRESS_COOKIE);
  const keyId = sessions.verify(token);
  if (!token || !keyId) {
    // One sign-in: a console session of a press officer or admin opens /press too, with its own CSRF token.
    const member = staff && (await staff.principal(ctx));
    if (!member || !PRESS_ROLES.includes(member.role)) return undefined;
    return { keyId: member.keyId, agencyCode: member.agencyCode, role: member.role, token: '', csrf: member.csrf };
  }
  const key = await activeKey(db, keyId, now);
  if (!key || !PRESS_ROLES.includes(key.role)) return undefined;
  return { keyId, agencyCode: key.agencyCode, role: key.role, token, csrf: sessions.csrfToken(token) };
}

export function requireCsrf(principal: PressPrincipal, sessions: PressSessions, submitted: string | undefined): void {
  const ok = principal.token
    ? sessions.csrfMatches(principal.token, submitted)
    : typeof submitted === 'string' && submitted.length === principal.csrf.length && timingSafeEqual(Buffer.from(submitted), Buffer.from(principal.csrf));
  if (!ok) throw new ForbiddenError('表单已失效（CSRF 校验未通过），请刷新页面后重试');
}

export function setSession(ctx: Context, token: string, secure: boolean): void {
  ctx.set('Set-Cookie', sessionCookie(token, { secure, maxAgeSeconds: PRESS_SESSION_TTL_SECONDS }));
}

export function clearSession(ctx: Context, secure: boolean): void {
  ctx.set('Set-Cookie', sessionCookie('', { secure, maxAgeSeconds: 0 }));
}
