import type Router from '@koa/router';
import { queryString, reply } from './reply.ts';
import type { AppState, SandboxState } from './state.ts';

/** A template's content as WeChat lists it: one `名称:{{key.DATA}}` line per key. */
const content = (keys: readonly string[] | undefined) => (keys ?? []).map((key) => `${key}:{{${key}.DATA}}`).join('\n');

/**
 * The account's template lists (wechat.md §2.1, §2.4): `GET /cgi-bin/template/get_all_private_template`
 * for an official account, `GET /wxaapi/newtmpl/gettemplate` for a mini-program, built from the
 * templates registered in the sandbox (`registerTemplate` or `POST /sandbox/admin/wechat/templates`),
 * each key shown as `{{key.DATA}}` in its content as WeChat does.
 */
export function templateRoutes(router: Router, state: SandboxState): void {
  const listed = (app: AppState) => [...app.templates.entries()].map(([id, keys]) => ({ id, keys, title: app.templateTitles.get(id) ?? '公示通知' }));
  router.get('/cgi-bin/template/get_all_private_template', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    reply(ctx, {
      template_list: listed(app).map((t) => ({
        template_id: t.id,
        title: t.title,
        primary_industry: '政府与公共事业',
        deputy_industry: '政务服务',
        content: content(t.keys),
        example: '',
      })),
    });
  });
  router.get('/wxaapi/newtmpl/gettemplate', (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'mp');
    reply(ctx, {
      errcode: 0,
      errmsg: 'ok',
      // type 2: one-time (一次性订阅), 3: long-term (长期订阅).
      data: listed(app).map((t) => ({ priTmplId: t.id, title: t.title, content: content(t.keys), example: '', type: app.templateKinds.get(t.id) === 'long-term' ? 3 : 2 })),
    });
  });
}
