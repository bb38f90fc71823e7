import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { AuthenticationError } from '../../core/errors.ts';
import { ROLES } from '../../core/models/api-key.model.ts';
import { checkStaffPassword, createStaff, disableStaff, listStaff, passwordSchema, resetStaff, usernameSchema } from '../../core/staff/staff-accounts.ts';
import { principalOf } from '../middleware/auth.ts';
import { RateLimitedError } from '../middleware/rate-limit.ts';
import { route } from '../route-spec.ts';
import type { SignInThrottle } from '../staff/sign-in-throttle.ts';
import { STAFF_SESSION_TTL_SECONDS, staffCookie, type StaffPrincipal, type StaffSessions } from '../staff/staff-session.ts';

export interface StaffRouteDeps {
  db: Connection;
  sessions: StaffSessions;
  throttle: SignInThrottle;
  /** Mark the cookie Secure (the public base URL is https). */
  secureCookies: boolean;
  now: () => Date;
}

const signInBody = z.strictObject({ username: z.string().max(100), password: z.string().max(200) });
const createBody = z.strictObject({
  username: usernameSchema,
  role: z.enum(ROLES),
  displayName: z.string().min(1).max(60).optional(),
  password: passwordSchema.optional(),
});
const resetBody = z.strictObject({ password: passwordSchema.optional() });
const usernameParams = z.strictObject({ username: usernameSchema });

const ANY_ROLE = [...ROLES];

function actorOf(principal: Principal): AuditActor {
  return { kind: principal.staff ? 'staff' : 'key', keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode };
}

/**
 * Console sign-in and the staff accounts an admin manages. Sign-in answers the session's CSRF
 * token, which every later cookie-authenticated write sends back as `X-CSRF-Token`.
 */
export function staffRoutes(deps: StaffRouteDeps) {
  const { db, sessions, throttle, now } = deps;
  const secure = (ctx: Context) => deps.secureCookies || ctx.secure;
  const audit = (principal: Principal, action: string, subject: string, detail?: Record<string, unknown>) =>
    recordAudit(db, { action, actor: actorOf(principal), agencyCode: principal.agencyCode, subject, ...(detail ? { detail } : {}), at: now() });

  return [
    route({
      method: 'post',
      path: '/api/v1/staff/sign-in',
      summary: 'Console sign-in with a staff username and password: sets the HTTP-only session cookie and answers its CSRF token',
      tag: 'staff',
      body: signInBody,
      responses: { 200: '{ username, agencyCode, role, csrfToken, expiresAt }', 401: 'wrong username or password, or the account is disabled', 429: 'too many failed sign-ins for this account or from this address (Retry-After)' },
      handler: async (ctx, { body }) => {
        const username = body.username.trim().toLowerCase();
        const wait = throttle.check(username, ctx.ip);
        if (wait !== undefined) throw new RateLimitedError(wait, '登录失败次数过多，请稍后再试 (too many failed sign-ins; wait and try again)');
        const record = await checkStaffPassword(db, username, body.password);
        if (!record) {
          throttle.failed(username, ctx.ip);
          throw new AuthenticationError('用户名或密码错误，或账号已停用 (wrong username or password, or the account is disabled)');
        }
        throttle.succeeded(username);
        const session = sessions.issue(record);
        ctx.set('Set-Cookie', staffCookie(session.token, { secure: secure(ctx), maxAgeSeconds: STAFF_SESSION_TTL_SECONDS }));
        ctx.set('Cache-Control', 'no-store');
        const principal: Principal = { keyId: record._id, agencyCode: record.agencyCode, role: record.role, staff: record.username };
        await audit(principal, 'staff.sign-in', record.username);
        ctx.body = { username: record.username, agencyCode: record.agencyCode, role: record.role, displayName: record.displayName, csrfToken: session.csrf, expiresAt: session.expiresAt.toISOString() };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/staff/me',
      summary: 'Who is calling: the staff account (with its session’s CSRF token) or the API key',
      tag: 'staff',
      auth: ANY_ROLE,
      responses: { 200: '{ agencyCode, role, username?, csrfToken? }', 401: 'no valid session or key' },
      handler: (ctx, { principal }) => {
        const who = principalOf({ principal }) as Partial<StaffPrincipal> & Principal;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { agencyCode: who.agencyCode, role: who.role, ...(who.staff ? { username: who.staff, csrfToken: who.csrf } : { keyId: who.keyId }) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/staff/sign-out',
      summary: 'Ends the console session (clears the cookie)',
      tag: 'staff',
      auth: ANY_ROLE,
      responses: { 204: 'signed out' },
      handler: (ctx) => {
        ctx.set('Set-Cookie', staffCookie('', { secure: secure(ctx), maxAgeSeconds: 0 }));
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/staff',
      summary: 'The admin’s agency’s staff accounts',
      tag: 'staff',
      auth: ['admin'],
      responses: { 200: '{ items: [{ username, role, displayName?, disabled, createdAt }] }' },
      handler: async (ctx, { principal }) => {
        ctx.body = { items: await listStaff(db, principalOf({ principal }).agencyCode) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/staff',
      summary: 'Creates a staff account in the admin’s agency; the password (generated unless given) is shown once',
      tag: 'staff',
      auth: ['admin'],
      body: createBody,
      responses: { 201: '{ account, password }', 409: 'username taken' },
      handler: async (ctx, { body, principal }) => {
        const who = principalOf({ principal });
        const created = await createStaff(db, { ...body, agencyCode: who.agencyCode }, now());
        await audit(who, 'staff.create', created.account.username, { role: created.account.role });
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 201;
        ctx.body = created;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/staff/:username/disable',
      summary: 'Disables a staff account of the admin’s agency and ends its sessions',
      tag: 'staff',
      auth: ['admin'],
      params: usernameParams,
      responses: { 200: '{ account }', 404: 'no such account in this agency' },
      handler: async (ctx, { params, principal }) => {
        const who = principalOf({ principal });
        const account = await disableStaff(db, params.username, who.agencyCode, now());
        await audit(who, 'staff.disable', account.username);
        ctx.body = { account };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/staff/:username/reset',
      summary: 'Sets a new password (generated unless given, shown once), re-enables the account and ends its sessions',
      tag: 'staff',
      auth: ['admin'],
      params: usernameParams,
      body: resetBody,
      responses: { 200: '{ account, password }', 404: 'no such account in this agency' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        const result = await resetStaff(db, params.username, who.agencyCode, body.password, now());
        await audit(who, 'staff.reset', result.account.username);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = result;
      },
    }),
  ];
}
