import { getAgencyDisclosure } from '../../core/disclosures/agency-read.ts';
import { idParam } from '../../core/disclosures/input.ts';
import { previewChannels, type PreviewTemplates } from '../../core/fanout/preview.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** The console's channel previews: what each channel would send for the item, withheld values as notices. */
export function previewRoutes({ disclosures, store }: Services, baseUrl: string, templates: PreviewTemplates = {}, miniProgramPage?: string) {
  return [
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/preview',
      summary: 'What each channel would send for one of the agency’s items (a draft as its publication), built by the sending code; writes nothing',
      tag: 'agency',
      auth: ['publisher', 'admin', 'reviewer'],
      params: idParam,
      responses: { 200: '{ change, message, channels: { wechat-oa, wechat-mp, weibo, rss, webhook } }', 403: 'another agency’s disclosure', 404: 'no such disclosure' },
      handler: async (ctx, { params, principal }) => {
        const doc = await getAgencyDisclosure(store, principalOf({ principal }).agencyCode, params.id);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = previewChannels(doc, { baseUrl, ...(miniProgramPage ? { miniProgramPage } : {}) }, disclosures.now(), templates);
      },
    }),
  ];
}
