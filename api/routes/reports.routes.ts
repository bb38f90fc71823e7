import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.ts';
import { annualOpinionFigures, annualReport, annualReportCsv } from '../../core/disclosures/annual-report.ts';
import { agencyCode } from '../../core/disclosures/input.ts';
import { pendingCompliance, pendingQuery } from '../../core/disclosures/compliance.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

const annualQuery = z
  .object({
    year: z.coerce.number().int().min(2000).max(2100).describe('年度'),
    format: z.enum(['json', 'csv']).default('json'),
    agency: agencyCode.optional().describe('机关代码（仅管理员可查他机关）'),
  })
  .strict();

export function reportRoutes({ disclosures, readModel }: Services) {
  const { db } = disclosures;
  return [
    route({
      method: 'get',
      path: '/api/v1/reports/annual',
      summary: 'Figures for the 政府信息公开年度报告, per agency and field (JSON or CSV)',
      tag: 'reports',
      auth: ['admin', 'publisher', 'press'],
      query: annualQuery,
      produces: ['application/json', 'text/csv'],
      responses: { 200: 'the report rows', 403: 'another agency’s report' },
      handler: async (ctx, { query, principal }) => {
        const who = principalOf({ principal });
        if (query.agency && query.agency !== who.agencyCode && who.role !== 'admin') {
          throw new ForbiddenError('only an admin may read another agency’s report');
        }
        const agency = who.role === 'admin' ? query.agency : who.agencyCode;
        const rows = await annualReport(readModel, query.year, agency);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.attachment(`gongkai-annual-${query.year}.csv`);
          ctx.body = annualReportCsv(rows);
        } else {
          // Present only when the year had response tasks, so the disclosure figures keep their shape.
          const opinion = await annualOpinionFigures(db, query.year, agency);
          ctx.body = { year: query.year, rows, ...(opinion.length ? { opinion } : {}) };
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/compliance/pending',
      summary: 'The agency’s drafts past due or nearing their legal deadline',
      tag: 'reports',
      auth: ['admin', 'publisher', 'press'],
      query: pendingQuery,
      responses: { 200: '{ items }' },
      handler: async (ctx, { query, principal }) => {
        const items = await pendingCompliance(readModel, principalOf({ principal }).agencyCode, query.withinDays, disclosures.now());
        ctx.body = { items };
      },
    }),
  ];
}
