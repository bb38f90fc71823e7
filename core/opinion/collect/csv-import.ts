import { parse, type CsvError } from 'csv-parse/sync';
import type { Connection } from 'mongoose';
import { ValidationError } from '../../errors.ts';
import { ingestReactions, type IngestResult } from '../ingest.ts';
import { disclosureOwners, futureProblem, manualItem, toReactionItem, type ManualItem } from './manual-import.ts';

/** Rows per CSV import; the byte limit is the route's. Each row is scored, so keep a request short. */
export const MAX_CSV_ROWS = 5000;

const COLUMNS = { text: 'text', author: 'author', url: 'url', at: 'at', disclosure_id: 'disclosureId' } as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['text', 'at'];

export interface RowError {
  /** Line in the file (the header is line 1) where the row starts. */
  line: number;
  /** The CSV column, or `(row)` when the row itself could not be read. */
  field: string;
  message: string;
}

const PARSE_MESSAGES: Record<string, string> = {
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: '列数与表头不一致',
  CSV_RECORD_INCONSISTENT_COLUMNS: '列数与表头不一致',
  CSV_QUOTE_NOT_CLOSED: '引号未闭合，此行及其后的内容无法读取',
  CSV_INVALID_CLOSING_QUOTE: '引号后有多余字符',
};

function header(columns: string[]): string[] {
  const names = columns.map((c) => c.trim().toLowerCase());
  const unknown = names.filter((n) => !(n in COLUMNS));
  const missing = REQUIRED.filter((n) => !names.includes(n));
  if (unknown.length || missing.length) {
    throw new ValidationError('the first line must be the header text,author,url,at,disclosure_id', [
      ...unknown.map((n) => ({ path: n || '(empty column)', message: '未知的列' })),
      ...missing.map((n) => ({ path: n, message: '缺少此列' })),
    ]);
  }
  if (new Set(names).size !== names.length) throw new ValidationError('a column is named twice in the header', [{ path: '(header)', message: '列名重复' }]);
  return names;
}

/**
 * Imports a CSV of reactions (`text,author,url,at,disclosure_id`, header required, UTF-8 with or
 * without BOM). Bad rows are reported by line and skipped, good rows stored: a press officer fixes
 * the few and re-imports the file, and the rows already stored count as duplicates.
 */
export async function importCsvReactions(db: Connection, agencyCode: string, csv: string, now: Date): Promise<IngestResult & { errors: RowError[] }> {
  if (!csv.replace(/^\uFEFF/, '').trim()) {
    throw new ValidationError('the CSV is empty; the first line must be the header', [{ path: '(header)', message: '缺少表头 text,author,url,at,disclosure_id' }]);
  }
  const errors: RowError[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // csv-parse 7 counts a CRLF inside a quoted value as two lines; with LF only, line numbers are exact.
    records = parse(csv.replace(/\r\n?/g, '\n'), {
      bom: true,
      columns: header,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        if (error) errors.push({ line: Number(error.lines), field: '(row)', message: PARSE_MESSAGES[error.code] ?? '无法解析此行' });
      },
    }) as never;
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError('the body is not CSV', [{ path: '(body)', message: (error as Error).message }]);
  }
  if (records.length > MAX_CSV_ROWS) throw new ValidationError(`at most ${MAX_CSV_ROWS} rows per import`, [{ path: '(body)', message: `每次最多 ${MAX_CSV_ROWS} 行` }]);

  const good: { line: number; item: ManualItem }[] = [];
  for (const { record, info } of records) {
    // info.lines is where the record ends; a quoted value may span lines.
    const line = info.lines - Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    const input = Object.fromEntries(
      Object.entries(record).filter(([, v]) => v.trim() !== '').map(([k, v]) => [COLUMNS[k as Column], v]),
    );
    const parsed = manualItem.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? '');
        const column = (Object.keys(COLUMNS) as Column[]).find((c) => COLUMNS[c] === key) ?? key;
        errors.push({ line, field: column, message: issue.code === 'invalid_type' ? '不能为空' : issue.message });
      }
      continue;
    }
    const future = futureProblem(parsed.data, now);
    if (future) errors.push({ line, field: 'at', message: future });
    else good.push({ line, item: parsed.data });
  }

  const owners = await disclosureOwners(db, agencyCode, good.flatMap((g) => (g.item.disclosureId ? [g.item.disclosureId] : [])));
  const accepted = good.filter(({ line, item }) => {
    const owner = item.disclosureId ? owners.get(item.disclosureId) : 'own';
    if (owner === 'own') return true;
    errors.push({ line, field: 'disclosure_id', message: owner === 'foreign' ? '该公开事项属于其他机关' : '没有这个公开事项' });
    return false;
  });
  const result = await ingestReactions(db, accepted.map(({ item }) => toReactionItem(item, agencyCode)), now);
  errors.sort((a, b) => a.line - b.line);
  return { ...result, errors };
}
