import { catalogueDocument } from '../../core/catalogue/index.ts';
import { route } from '../route-spec.ts';

export const catalogueRoutes = [
  route({
    method: 'get',
    path: '/api/v1/catalogue',
    summary: 'Every field and item type, with display names and the JSON Schema of its content',
    tag: 'catalogue',
    responses: { 200: 'the catalogue' },
    handler: (ctx) => {
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = catalogueDocument();
    },
  }),
];
