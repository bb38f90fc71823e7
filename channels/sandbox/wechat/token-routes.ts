import type { Context } from 'koa';
import type Router from '@koa/router';
import { WechatSandboxError, jsonBody, queryString, reply } from './reply.ts';
import type { AppState, SandboxState } from './state.ts';

/** appid and secret checks shared by the token endpoints and code2Session. */
export function credentials(
  state: SandboxState,
  appid: unknown,
  secret: unknown,
  badSecret: number,
): AppState {
  if (typeof appid !== 'string' || appid === '') throw new WechatSandboxError(41002, 'appid missing');
  if (typeof secret !== 'string' || secret === '') throw new WechatSandboxError(41004, 'appsecret missing');
  const app = state.apps.get(appid);
  if (!app) throw new WechatSandboxError(40013, 'invalid appid');
  if (app.app.secret !== secret) {
    throw new WechatSandboxError(badSecret, badSecret === 40125 ? 'invalid appsecret' : 'invalid credential, access_token is invalid or not latest');
  }
  return app;
}

/**
 * The account's IP whitelist (基本配置 → IP白名单), checked on token and stable_token as WeChat does:
 * 40164 "invalid ip …, not in whitelist".
 */
function checkWhitelist(app: AppState, ctx: Context): void {
  if (!app.ipWhitelist) return;
  const ip = (ctx.ip || '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!app.ipWhitelist.includes(ip)) throw new WechatSandboxError(40164, `invalid ip ${ip} ipv6 ::ffff:${ip}, not in whitelist`);
}

function countFetch(state: SandboxState, appid: unknown, kind: 'token' | 'stableToken'): void {
  if (typeof appid === 'string') {
    const app = state.apps.get(appid);
    if (app) app.fetches[kind] += 1;
  }
}

/** `GET /cgi-bin/token` and `POST /cgi-bin/stable_token` (wechat.md §1). */
export function tokenRoutes(router: Router, state: SandboxState): void {
  router.get('/cgi-bin/token', (ctx) => {
    const appid = queryString(ctx, 'appid');
    countFetch(state, appid, 'token');
    if (queryString(ctx, 'grant_type') !== 'client_credential') throw new WechatSandboxError(40002, 'invalid grant_type');
    // The classic endpoint answers a wrong secret with 40001.
    const app = credentials(state, appid, queryString(ctx, 'secret'), 40001);
    checkWhitelist(app, ctx);
    state.checkQuota(app, '/cgi-bin/token');
    state.count(app, '/cgi-bin/token');
    reply(ctx, state.tokens.issue(app.app.appid));
  });

  router.post('/cgi-bin/stable_token', (ctx) => {
    const body = jsonBody(ctx);
    countFetch(state, body.appid, 'stableToken');
    if (body.grant_type !== 'client_credential') throw new WechatSandboxError(40002, 'invalid grant_type');
    const app = credentials(state, body.appid, body.secret, 40125);
    checkWhitelist(app, ctx);
    state.checkQuota(app, '/cgi-bin/stable_token');
    state.count(app, '/cgi-bin/stable_token');
    reply(ctx, state.tokens.issueStable(app.app.appid, body.force_refresh === true));
  });
}
