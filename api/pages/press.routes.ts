import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Connection } from 'mongoose';
import { authenticateKey } from '../../core/agencies/api-keys.ts';
import { AppError, AuthenticationError } from '../../core/errors.ts';
import { agencyModel } from '../../core/models/agency.model.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { transitionTask } from '../../core/opinion/tasks.ts';
import { pageSecurityHeaders } from '../middleware/security.ts';
import { readForm } from './form-body.ts';
import { clearSession, pressPrincipal, PRESS_ROLES, requireCsrf, setSession, type PressPrincipal } from './press-auth.ts';
import { agencyDashboard, disclosureDrillDown } from '../../core/opinion/dashboard.ts';
import { createPressSessions } from './press-session.ts';
import { staffCookie, type StaffSessions } from '../staff/staff-session.ts';
import { errorPage, loginPage, PRESS_CSP, PRESS_CSS_PATH, type SignedIn } from './render/layout.ts';
import { dashboardPage, drillDownPage } from './render/press-pages.ts';

export interface PressPageDeps {
  db: Connection;
  /** SESSION_SECRET; without it sessions last as long as this process. */
  sessionSecret?: string;
  /** Mark the cookie Secure (the public base URL is https). */
  secureCookies?: boolean;
  now?: () => Date;
  /** Console staff sessions: a press or admin account signed in at /console reaches /press too. */
  staff?: StaffSessions;
}

const CSS = readFileSync(new URL('./assets/press.css', import.meta.url), 'utf8');

/** Chinese words for what a press officer can run into; the message of a 4xx is shown otherwise. */
const STATUS_TEXT: Record<number, string> = {
  404: '没有找到这个页面或对象，或它不属于本机关',
  409: '状态已经变化（可能已由他人处理），请刷新页面',
};

const isPressPath = (path: string) => path === '/press' || path.startsWith('/press/');

/**
 * The press officers' pages under /press: HTML rendered here, no script, forms with CSRF tokens,
 * a signed cookie session made from a `press` or `admin` API key.
 */
export function pressPages(deps: PressPageDeps): Middleware {
  const now = deps.now ?? (() => new Date());
  const sessions = createPressSessions(deps.sessionSecret, now);
  const { db } = deps;
  const secure = (ctx: Context) => deps.secureCookies === true || ctx.secure;
  const router = new Router();

  router.get(PRESS_CSS_PATH, (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = CSS;
  });

  router.get('/press/login', (ctx) => {
    ctx.type = 'html';
    ctx.body = loginPage();
  });

  router.post('/press/login', async (ctx) => {
    const { apiKey } = await readForm(ctx);
    let role: Role;
    let keyId: string;
    try {
      ({ role, keyId } = await authenticateKey(db, (apiKey ?? '').trim(), now()));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginPage('API 密钥无效、已吊销或已过期，请检查后重新输入');
      return;
    }
    if (!PRESS_ROLES.includes(role)) {
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = loginPage('该密钥没有舆情工作台权限（需要新闻发言人或管理员密钥）');
      return;
    }
    setSession(ctx, sessions.issue(keyId).token, secure(ctx));
    ctx.redirect('/press');
    ctx.status = 303;
  });

  // Everything below needs a session.
  const signedIn = async (ctx: Context, next: Next) => {
    const principal = await pressPrincipal(ctx, db, sessions, now(), deps.staff);
    if (!principal) {
      if (ctx.cookies.get('gk_press') !== undefined) clearSession(ctx, secure(ctx));
      ctx.redirect('/press/login');
      ctx.status = 303;
      return;
    }
    ctx.state.press = principal;
    const agency = await agencyModel(db).findOne({ code: principal.agencyCode }, { name: 1 }).lean();
    ctx.state.pressView = { agencyName: agency?.name ?? principal.agencyCode, csrf: principal.csrf } satisfies SignedIn;
    await next();
  };
  const who = (ctx: Context) => ctx.state.press as PressPrincipal;
  const view = (ctx: Context) => ctx.state.pressView as SignedIn;

  router.post('/press/logout', signedIn, async (ctx) => {
    requireCsrf(who(ctx), sessions, (await readForm(ctx)).csrf);
    clearSession(ctx, secure(ctx));
    // One sign-in, one sign-out: a console session that opened /press ends here too.
    if (deps.staff?.hasCookie(ctx)) ctx.append('Set-Cookie', staffCookie('', { secure: secure(ctx), maxAgeSeconds: 0 }));
    ctx.redirect('/press/login');
    ctx.status = 303;
  });

  router.get('/press', signedIn, async (ctx) => {
    const at = now();
    const data = await agencyDashboard(db, who(ctx).agencyCode, at);
    ctx.type = 'html';
    ctx.body = dashboardPage({ ...data, agencyName: view(ctx).agencyName }, at, view(ctx));
  });

  router.get('/press/disclosures/:id', signedIn, async (ctx) => {
    const data = await disclosureDrillDown(db, who(ctx).agencyCode, ctx.params.id ?? '');
    ctx.type = 'html';
    ctx.body = drillDownPage(data, view(ctx));
  });

  router.post('/press/tasks/:id/acknowledge', signedIn, async (ctx) => {
    const principal = who(ctx);
    requireCsrf(principal, sessions, (await readForm(ctx)).csrf);
    await transitionTask(db, { taskId: ctx.params.id ?? '', agencyCode: principal.agencyCode, by: principal.keyId, action: 'acknowledge' }, now());
    ctx.redirect('/press#tasks');
    ctx.status = 303;
  });

  // Unknown /press paths: the login for strangers, a 404 page for the signed-in.
  const fallback = async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      await signedIn(ctx, async () => {
        throw new AppError(404, 'not_found', STATUS_TEXT[404]!);
      });
    }
  };

  const chain = [pageSecurityHeaders(PRESS_CSP), htmlErrors, fallback, router.routes(), router.allowedMethods({ throw: true })] as Middleware[];
  return (ctx, next) => {
    if (!isPressPath(ctx.path)) return next();
    const step = (i: number): Promise<unknown> => (i < chain.length ? Promise.resolve(chain[i]!(ctx, () => step(i + 1))) : next());
    return step(0);
  };
}

/** Pages get HTML errors and a strict CSP; the JSON error mapper only sees what is not ours to explain. */
async function htmlErrors(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  try {
    await next();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (!(error instanceof AppError) && !(typeof status === 'number' && status >= 400 && status < 500)) throw error;
    const code = error instanceof AppError ? error.status : (status as number);
    if (code >= 500) throw error;
    const message = code === 403 || code === 400 || code === 413 || code === 415 ? (error as Error).message : (STATUS_TEXT[code] ?? (error as Error).message);
    ctx.status = code;
    ctx.type = 'html';
    ctx.body = errorPage(code, message, ctx.state.pressView as SignedIn | undefined);
  }
}
