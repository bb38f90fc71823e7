import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.ts';
import { annualOpinionFigures, annualReport, annualReportCsv } from '../../core/disclosures/annual-report.ts';
import { agencyCode } from '../../core/disclosures/input.ts';
import { pendingCompliance, pendingQuery } from '../../core/disclosures/compliance.ts';
import type { Services } from '../../core/services.ts';
import { annualRequestTable, pendingRequests, requestTableCsv } from '../../core/requests/queries.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

const annualQuery = z
  .object({
    year: z.coerce.number().int().min(2000).max(2100).describe('年度'),
    format: z.enum(['json', 'csv']).default('json'),
    agency: agencyCode.optional().describe('机关代码（仅管理员可查他机关）'),
    table: z.enum(['disclosures', 'requests']).default('disclosures').describe('CSV 的表：disclosures 主动公开；requests 收到和处理政府信息公开申请情况'),
  })
  .strict();

export function reportRoutes({ disclosures, readModel, requests }: Services) {
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
        if (query.format === 'csv' && query.table === 'requests') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.attachment(`gongkai-annual-${query.year}-requests.csv`);
          ctx.body = requestTableCsv(await annualRequestTable(requests, query.year, agency));
          return;
        }
        const rows = await annualReport(readModel, query.year, agency);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.attachment(`gongkai-annual-${query.year}.csv`);
          ctx.body = annualReportCsv(rows);
        } else {
          // Present only when the year had response tasks, so the disclosure figures keep their shape.
          const opinion = await annualOpinionFigures(db, query.year, agency);
          // 依申请公开 (table 三), present when the year saw any request (received, carried or closed).
          const table = await annualRequestTable(requests, query.year, agency);
          const anyRequest = table.lines.some((line) => line.counts.total > 0);
          ctx.body = { year: query.year, rows, ...(opinion.length ? { opinion } : {}), ...(anyRequest ? { requests: table } : {}) };
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/compliance/pending',
      summary: 'The agency’s drafts and information requests past due or nearing their legal deadline',
      tag: 'reports',
      auth: ['admin', 'publisher', 'press'],
      query: pendingQuery,
      responses: { 200: '{ items, requests }' },
      handler: async (ctx, { query, principal }) => {
        const agency = principalOf({ principal }).agencyCode;
        const items = await pendingCompliance(readModel, agency, query.withinDays, disclosures.now());
        // 依申请公开 (第三十三条): open requests due within the window or late, and those waiting on receipt, a correction or an opinion.
        ctx.body = { items, requests: await pendingRequests(requests, agency, query.withinDays) };
      },
    }),
  ];
}
