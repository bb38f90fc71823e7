import Router from '@koa/router';
import type { SandboxOutbox } from '../outbox.ts';
import { weiboAdminRouter } from './weibo-admin.routes.ts';
import { weiboApiRouter } from './weibo-api.routes.ts';
import { weiboControl, type WeiboSandboxControl } from './weibo-control.ts';
import type { Persisted } from '../persist.ts';
import { WeiboSandboxState, type WeiboSandboxOptions, type WeiboStateSnapshot } from './weibo-state.ts';

export type { WeiboSandboxControl } from './weibo-control.ts';
export type { ReactionInput, WeiboFault, WeiboRateLimits, WeiboSandboxOptions } from './weibo-state.ts';

/**
 * A stand-in for api.weibo.com (reference notes weibo-rss.md §0–§6): `statuses/share` with token,
 * safe-domain, length, duplicate and hourly-quota checks; `comments/show`, `statuses/repost_timeline`,
 * `statuses/user_timeline`, `statuses/mentions`, `account/rate_limit_status`,
 * `comments/create` and `comments/reply` (hourly comment quota, 20201 for an unknown comment); errors as `{error, error_code, request}`.
 * Needs a form/JSON body parser in front of it. Accepted posts go to the outbox as channel 'weibo'.
 */
export function createWeiboSandbox(outbox: SandboxOutbox, options: WeiboSandboxOptions = {}): { router: Router; control: WeiboSandboxControl; persisted: Persisted<WeiboStateSnapshot> } {
  const state = new WeiboSandboxState(options);
  const control = weiboControl(state);
  const router = new Router();
  const api = weiboApiRouter(state, outbox);
  const admin = weiboAdminRouter(control);
  router.use(api.routes());
  router.use(admin.routes());
  return { router, control, persisted: state };
}
