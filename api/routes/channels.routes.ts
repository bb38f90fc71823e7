import type { TemplateCheck } from '../../core/channel-accounts/check-templates.ts';
import { route } from '../route-spec.ts';

/** Admins check the WeChat template mappings against the accounts' real template lists. */
export function channelsRoutes(check: () => Promise<{ ok: boolean; accounts: TemplateCheck[] }>) {
  return [
    route({
      method: 'get',
      path: '/api/v1/channels/check',
      summary: 'Each WeChat account’s template mapping against its real template list: mapped keys it lacks, its keys the mapping leaves out',
      tag: 'channels',
      auth: ['admin'],
      responses: { 200: '{ ok, accounts: [{ channel, mode, templateId, found, missingInTemplate, unmapped, error?, ok }] }' },
      handler: async (ctx) => {
        ctx.body = await check();
      },
    }),
  ];
}
