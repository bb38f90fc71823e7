import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../agencies/api-keys.ts';
import { todayInChina } from '../calendar/due-date.ts';
import { NotFoundError } from '../errors.ts';
import { REQUESTER_TYPE_NAMES, REQUESTER_TYPES, type RequesterType, type RequestReportCounts } from '../read-model/request-types.ts';
import { reportRows } from './decisions.ts';
import { requireKeys, sha256Hex, type RequestDeps } from './deps.ts';
import { agencyRequestView, requesterView, requestLine } from './views.ts';

export async function agencyRequest(deps: RequestDeps, principal: Principal, id: string) {
  const doc = await deps.store.get(id);
  if (!doc || doc.agencyCode !== principal.agencyCode) throw new NotFoundError('no such request');
  return agencyRequestView(doc, requireKeys(deps), await deps.calendar.current(), deps.now());
}

export async function listAgencyRequests(deps: RequestDeps, principal: Principal, query: { open?: 'true' | 'false'; cursor?: string; limit: number }) {
  const page = await deps.readModel.listAgency(principal.agencyCode, { open: query.open === 'true', cursor: query.cursor, limit: query.limit });
  const now = deps.now();
  return { items: page.items.map((row) => requestLine(row, now)), nextCursor: page.nextCursor };
}

/** The status page: a wrong access code is the same 404 as an unknown receipt number. */
export async function requestStatus(deps: RequestDeps, id: string, accessCode: string) {
  const doc = await deps.store.get(id);
  const given = Buffer.from(sha256Hex(accessCode));
  if (!doc || !timingSafeEqual(given, Buffer.from(doc.accessCodeHash))) throw new NotFoundError('no request with this receipt number and access code');
  return requesterView(doc, requireKeys(deps), await deps.calendar.current(), deps.now());
}

/** A mini-program resident's own requests (from the read model), newest first. */
export async function residentRequests(deps: RequestDeps, residentId: string) {
  const now = deps.now();
  return { items: (await deps.readModel.listResident(residentId, 100)).map((row) => requestLine(row, now)) };
}

/** One of the resident's own requests, in the requester's view; another's is 404. */
export async function residentRequest(deps: RequestDeps, residentId: string, id: string) {
  const doc = await deps.store.get(id);
  if (!doc || doc.residentId !== residentId) throw new NotFoundError('no such request of yours');
  return requesterView(doc, requireKeys(deps), await deps.calendar.current(), deps.now());
}

/** Open requests past due or due within `withinDays` calendar days, waiting for receipt, a correction or an opinion. */
export async function pendingRequests(deps: RequestDeps, agencyCode: string, withinDays: number) {
  const now = deps.now();
  const today = todayInChina(now);
  const horizon = todayInChina(new Date(now.getTime() + withinDays * 86_400_000));
  const rows = await deps.readModel.pending(agencyCode, horizon, 500);
  return rows.map((row) => {
    const line = requestLine(row, now);
    const warning =
      row.state === 'awaiting-receipt'
        ? 'confirm-receipt'
        : row.state === 'awaiting-correction'
          ? row.correctionDueOn && row.correctionDueOn < today
            ? 'correction-overdue'
            : 'awaiting-correction'
          : row.state === 'consulting'
            ? 'consulting'
            : line.overdue
              ? 'overdue'
              : 'due-soon';
    return { ...line, warning };
  });
}

export type RequestColumn = RequesterType | 'total';
export const REQUEST_COLUMNS: RequestColumn[] = [...REQUESTER_TYPES, 'total'];
export const REQUEST_COLUMN_NAMES: Record<RequestColumn, string> = { ...REQUESTER_TYPE_NAMES, total: '总计' };

export interface RequestTableLine {
  key: string;
  name: string;
  counts: Record<RequestColumn, number>;
}

export interface RequestTable {
  agencyCode?: string;
  lines: RequestTableLine[];
  /** Of the requests answered in the year (视为放弃 and withdrawals left out): within the deadline, and after it. */
  onTime: number;
  late: number;
}

const emptyCounts = (): Record<RequestColumn, number> => Object.fromEntries(REQUEST_COLUMNS.map((c) => [c, 0])) as Record<RequestColumn, number>;

/**
 * Table 三 of the annual report (国办公开办函〔2021〕30号): requests received in the year and
 * carried over from the last, what became of them by report row, and those carried into the
 * next year, per requester type. 第一项 + 第二项 = 第三项（七）总计 + 第四项.
 */
export function requestTable(counts: RequestReportCounts): RequestTable {
  const line = (key: string, name: string): RequestTableLine => ({ key, name, counts: emptyCounts() });
  const add = (target: RequestTableLine, type: RequesterType, n: number) => {
    target.counts[type] += n;
    target.counts.total += n;
  };
  const received = line('received', '一、本年新收政府信息公开申请数量');
  const carriedIn = line('carried-in', '二、上年结转政府信息公开申请数量');
  const results = reportRows().map((r) => line(r.key, `三、本年度办理结果 ${r.name}`));
  const total = line('total', '三、本年度办理结果 （七）总计');
  const carriedOut = line('carried-out', '四、结转下年度继续办理');
  for (const c of counts.received) add(received, c.requesterType, c.count);
  for (const c of counts.carriedIn) add(carriedIn, c.requesterType, c.count);
  for (const c of counts.carriedOut) add(carriedOut, c.requesterType, c.count);
  let onTime = 0;
  let late = 0;
  for (const c of counts.closed) {
    add(results.find((r) => r.key === c.reportRow) ?? results.find((r) => r.key === 'other/other')!, c.requesterType, c.count);
    add(total, c.requesterType, c.count);
    if (c.onTime === true) onTime += c.count;
    if (c.onTime === false) late += c.count;
  }
  return { lines: [received, carriedIn, ...results, total, carriedOut], onTime, late };
}

/** The table for a year in China time, of one agency or all. */
export async function annualRequestTable(deps: RequestDeps, year: number, agencyCode?: string): Promise<RequestTable> {
  const counts = await deps.readModel.report(`${year}-01-01`, `${year}-12-31`, agencyCode);
  return { ...(agencyCode ? { agencyCode } : {}), ...requestTable(counts) };
}

export function requestTableCsv(table: RequestTable): string {
  const cell = (v: unknown) => `"${String(v).replace(/"/g, '""')}"`;
  const lines = [['项目', ...REQUEST_COLUMNS.map((c) => REQUEST_COLUMN_NAMES[c])].map(cell).join(',')];
  for (const l of table.lines) lines.push([l.name, ...REQUEST_COLUMNS.map((c) => l.counts[c])].map(cell).join(','));
  lines.push([cell('按期答复数'), cell(table.onTime)].join(','));
  lines.push([cell('逾期答复数'), cell(table.late)].join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
