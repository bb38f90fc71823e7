import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { findStaff, staffIdOf, type StaffRecord } from '../../core/staff/staff-accounts.ts';

export const STAFF_COOKIE = 'gk_staff';
/** A working day and then some, as for the press pages' sessions. */
export const STAFF_SESSION_TTL_SECONDS = 12 * 3600;
/** The header a cookie-authenticated request must carry on every state-changing call. */
export const CSRF_HEADER = 'X-CSRF-Token';

/** A staff member acting through a session: the principal, plus the session's CSRF token. */
export interface StaffPrincipal extends Principal {
  staff: string;
  csrf: string;
}

/**
 * Staff sessions: `st1.<username, base64url>.<epoch>.<expiry>.<HMAC-SHA256>` in an HTTP-only,
 * SameSite=Strict cookie. Only the username and the account's epoch are inside: the account is
 * read (by `_id`) on every request, so disabling or resetting it ends its sessions at once. The
 * CSRF token is an HMAC of the session token (per session, nothing stored): the console reads it
 * from the sign-in answer or `GET /api/v1/staff/me` and sends it as `X-CSRF-Token`; another
 * site can neither read it nor, with SameSite=Strict, send the cookie.
 */
export function createStaffSessions(db: Connection, secret: string = randomBytes(32).toString('hex'), now: () => Date = () => new Date()) {
  const key = createHmac('sha256', secret).update('gongkai:staff-session').digest();
  const mac = (purpose: string, payload: string) => createHmac('sha256', key).update(`${purpose}:${payload}`).digest('base64url');
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  const issue = (record: Pick<StaffRecord, 'username' | 'epoch'>) => {
    const exp = Math.floor(now().getTime() / 1000) + STAFF_SESSION_TTL_SECONDS;
    const payload = `st1.${Buffer.from(record.username).toString('base64url')}.${record.epoch}.${exp}`;
    const token = `${payload}.${mac('session', payload)}`;
    return { token, csrf: mac('csrf', token), expiresAt: new Date(exp * 1000) };
  };

  /** The principal of a well-signed, unexpired session of an enabled account; undefined otherwise. */
  const principalOfToken = async (token: string | undefined): Promise<StaffPrincipal | undefined> => {
    const match = /^(st1\.([A-Za-z0-9_-]{2,60})\.(\d{1,9})\.(\d{10}))\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match || !token) return undefined;
    const [, payload, name, epoch, exp, signature] = match as unknown as [string, string, string, string, string, string];
    if (!same(mac('session', payload), signature)) return undefined;
    if (Number(exp) * 1000 <= now().getTime()) return undefined;
    const username = Buffer.from(name, 'base64url').toString();
    const record = await findStaff(db, username);
    if (!record || record.disabledAt || record.epoch !== Number(epoch)) return undefined;
    return { keyId: staffIdOf(username), agencyCode: record.agencyCode, role: record.role, staff: username, csrf: mac('csrf', token) };
  };

  return {
    issue,
    principalOfToken,
    /** The session of this request's cookie, if any and valid. */
    principal: (ctx: Context) => principalOfToken(ctx.cookies.get(STAFF_COOKIE)),
    hasCookie: (ctx: Context) => ctx.cookies.get(STAFF_COOKIE) !== undefined,
    csrfMatches: (principal: StaffPrincipal, submitted: string | undefined) => typeof submitted === 'string' && same(principal.csrf, submitted),
  };
}

export type StaffSessions = ReturnType<typeof createStaffSessions>;

/** Set-Cookie by hand (as for /press): Koa refuses `Secure` on a plain-HTTP hop behind a TLS proxy. */
export function staffCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  const parts = [`${STAFF_COOKIE}=${token}`, 'Path=/', `Max-Age=${options.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
