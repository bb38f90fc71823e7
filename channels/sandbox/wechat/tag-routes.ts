import type Router from '@koa/router';
import { WechatSandboxError, jsonBody, queryString, reply } from './reply.ts';
import type { AppState, SandboxState } from './state.ts';

const MAX_TAGS = 100;
const MAX_TAGS_PER_USER = 20;
const PAGE = 10_000;

function knownTag(app: AppState, tagid: unknown): number {
  const id = Number(tagid);
  if (!app.tags.has(id)) throw new WechatSandboxError(45159, 'invalid tag id');
  return id;
}

/** The OA tag calls a tag-based mass send needs (wechat.md §2.3). */
export function tagRoutes(router: Router, state: SandboxState): void {
  router.post('/cgi-bin/tags/create', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const name = (jsonBody(ctx).tag as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.trim() === '') throw new WechatSandboxError(45157, 'invalid tag name');
    if ([...name].length > 30) throw new WechatSandboxError(45158, 'tag name too long');
    if ([...app.tags.values()].some((tag) => tag.name === name)) throw new WechatSandboxError(45157, 'invalid tag name');
    if (app.tags.size >= MAX_TAGS) throw new WechatSandboxError(45056, 'too many tags');
    reply(ctx, { tag: { id: state.tagId(app, name), name } });
  });

  router.get('/cgi-bin/tags/get', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const tags = [...app.tags].map(([id, tag]) => ({
      id,
      name: tag.name,
      count: [...app.users.values()].filter((user) => user.tags.has(id)).length,
    }));
    reply(ctx, { tags });
  });

  router.post('/cgi-bin/tags/members/batchtagging', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const body = jsonBody(ctx);
    const list = body.openid_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 50) throw new WechatSandboxError(40032, 'invalid openid list size');
    const tagId = knownTag(app, body.tagid);
    const users = list.map((openid) => {
      const user = typeof openid === 'string' ? app.users.get(openid) : undefined;
      if (!user) throw new WechatSandboxError(40003, 'invalid openid');
      if (!user.tags.has(tagId) && user.tags.size >= MAX_TAGS_PER_USER) throw new WechatSandboxError(45059, 'user has too many tags');
      return user;
    });
    for (const user of users) user.tags.add(tagId);
    reply(ctx, { errcode: 0, errmsg: 'ok' });
  });

  router.post('/cgi-bin/user/tag/get', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const body = jsonBody(ctx);
    const tagId = knownTag(app, body.tagid);
    const all = [...app.users].filter(([, user]) => user.following && user.tags.has(tagId)).map(([openid]) => openid);
    const after = typeof body.next_openid === 'string' && body.next_openid !== '' ? all.indexOf(body.next_openid) + 1 : 0;
    const page = all.slice(after, after + PAGE);
    const more = after + PAGE < all.length;
    reply(ctx, {
      count: page.length,
      ...(page.length > 0 ? { data: { openid: page } } : {}),
      next_openid: more ? (page.at(-1) ?? '') : '',
    });
  });
}
