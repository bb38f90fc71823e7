import { auditCsv, auditQuery, queryAudit } from '../../core/audit-query.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** The append-only audit log of the admin's own agency: JSON pages or a CSV export. */
export function auditRoutes({ disclosures }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit log of the key’s agency, newest first: who did what, when, on which content hash (JSON or CSV)',
      tag: 'audit',
      auth: ['admin'],
      query: auditQuery,
      produces: ['application/json', 'text/csv'],
      responses: { 200: '{ items, nextCursor }, or CSV (UTF-8 with BOM; X-Next-Cursor when there is more)', 400: 'invalid filter or cursor' },
      handler: async (ctx, { query, principal }) => {
        const { items, nextCursor } = await queryAudit(disclosures.db, principalOf({ principal }).agencyCode, query);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.attachment('gongkai-audit.csv');
          if (nextCursor) ctx.set('X-Next-Cursor', nextCursor);
          ctx.body = auditCsv(items);
        } else {
          ctx.body = { items, nextCursor };
        }
      },
    }),
  ];
}
