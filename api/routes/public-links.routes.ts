import { idParam } from '../../core/disclosures/input.ts';
import { publicLinks, type PublicLinkSite } from '../../core/disclosures/public-links.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** Where the public finds one of the agency's disclosures, for the console's item page. */
export function publicLinkRoutes({ disclosures }: Services, site: PublicLinkSite) {
  return [
    route({
      method: 'get',
      path: '/api/v1/agency/disclosures/:id/public-links',
      summary:
        'Where the public finds a disclosure: website page, mini-program page path, each Weibo post (live ones with their address; sandbox posts have none), the agency’s RSS/Atom/JSON feeds',
      tag: 'agency',
      auth: ['publisher', 'admin', 'press', 'reviewer'],
      params: idParam,
      responses: {
        200: '{ public, website, miniProgramPage?, weibo: [{ change, statusId, mode, url? }], feeds: { rss, atom, json } }',
        403: 'another agency’s disclosure',
        404: 'no such disclosure',
      },
      handler: async (ctx, { params, principal }) => {
        ctx.body = await publicLinks(disclosures.db, principalOf({ principal }), params.id, site);
      },
    }),
  ];
}
