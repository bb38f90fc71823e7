import type { Connection } from 'mongoose';
import { catalogue } from '../catalogue/index.ts';
import type { ReadModel } from '../read-model/types.ts';
import { responseTaskCollection } from '../models/response-task.model.ts';

export interface AnnualReportRow {
  agencyCode: string;
  agencyName: string;
  field: string;
  fieldName: string;
  published: number;
  onTime: number;
  late: number;
  corrected: number;
  withdrawn: number;
  medianDaysToPublish: number | null;
}

/**
 * The figures an agency reports in its 政府信息公开年度报告, per agency and field, for a year
 * in China time: items first published that year (on time or late), corrections and
 * withdrawals made that year, and the median calendar days from 形成 to publication.
 */
export async function annualReport(readModel: ReadModel, year: number, agencyCode?: string): Promise<AnnualReportRow[]> {
  const start = new Date(`${year}-01-01T00:00:00+08:00`);
  const end = new Date(`${year + 1}-01-01T00:00:00+08:00`);
  const rows = await readModel.annualReport(start, end, agencyCode);
  return rows
    .map(({ days, ...row }) => ({
      ...row,
      fieldName: catalogue.find((f) => f.code === row.field)?.name ?? row.field,
      medianDaysToPublish: median(days),
    }))
    .sort((a, b) => a.agencyCode.localeCompare(b.agencyCode) || a.field.localeCompare(b.field));
}

/** Public-opinion response duty (国办发〔2016〕61号) per agency, for the same report. */
export interface AnnualOpinionRow {
  agencyCode: string;
  /** Response tasks opened in the year. */
  opinionTasks: number;
  opinionTasksResponded: number;
  /** Answered after the first-response clock, or escalated for any clock. */
  opinionTasksOverdue: number;
  opinionTasksEscalated: number;
}

/** Response tasks opened in the year (China time), per agency; agencies without tasks are left out. */
export async function annualOpinionFigures(db: Connection, year: number, agencyCode?: string): Promise<AnnualOpinionRow[]> {
  const start = new Date(`${year}-01-01T00:00:00+08:00`);
  const end = new Date(`${year + 1}-01-01T00:00:00+08:00`);
  const tasks = await responseTaskCollection(db)
    .find({ ...(agencyCode ? { agencyCode } : {}), openedAt: { $gte: start, $lt: end } }, { projection: { agencyCode: 1, dueAt: 1, respondedAt: 1, escalatedAt: 1 } })
    .toArray();
  const rows = new Map<string, AnnualOpinionRow>();
  for (const task of tasks) {
    const row = rows.get(task.agencyCode) ?? { agencyCode: task.agencyCode, opinionTasks: 0, opinionTasksResponded: 0, opinionTasksOverdue: 0, opinionTasksEscalated: 0 };
    rows.set(task.agencyCode, row);
    row.opinionTasks++;
    if (task.respondedAt) row.opinionTasksResponded++;
    if (task.escalatedAt || (task.respondedAt && task.respondedAt > task.dueAt)) row.opinionTasksOverdue++;
    if (task.escalatedAt) row.opinionTasksEscalated++;
  }
  return [...rows.values()].sort((a, b) => a.agencyCode.localeCompare(b.agencyCode));
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const CSV_COLUMNS: [keyof AnnualReportRow, string][] = [
  ['agencyCode', '机关代码'],
  ['agencyName', '机关名称'],
  ['field', '领域代码'],
  ['fieldName', '领域'],
  ['published', '主动公开数'],
  ['onTime', '按时公开数'],
  ['late', '逾期公开数'],
  ['corrected', '更正数'],
  ['withdrawn', '撤回数'],
  ['medianDaysToPublish', '形成至公开天数中位数'],
];

/** CSV with a BOM so that Excel, which most agencies use, reads the Chinese correctly. */
export function annualReportCsv(rows: AnnualReportRow[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    // Quote always; a leading = + - @ would run as a formula in a spreadsheet.
    return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
  };
  const lines = [CSV_COLUMNS.map(([, h]) => cell(h)).join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map(([k]) => cell(row[k])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
