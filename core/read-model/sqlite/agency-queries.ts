import type Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { dayRange } from '../filters.ts';
import type { AgencyListItem, AgencyQuery, PendingItem, ReportRow } from '../types.ts';

const DAY_MS = 86_400_000;

export function agencyQueries(db: Database.Database) {
  // One statement per combination of filters (at most 2^6), prepared on first use.
  const listings = new Map<string, Database.Statement>();
  const listing = (sql: string) => listings.get(sql) ?? listings.set(sql, db.prepare(sql)).get(sql)!;
  const pending = db.prepare(`SELECT agency_json FROM items WHERE agency_code = ? AND status = 'draft' AND due_at <= ? ORDER BY due_at, id LIMIT ?`).pluck();
  const reviews = db
    .prepare(`SELECT id FROM items WHERE agency_code = ? AND review_state = 'pending' ORDER BY review_requested_at, id LIMIT ?`)
    .pluck();
  const published = (agency: boolean) =>
    db.prepare(
      `SELECT agency_code, agency_name, field, on_time, published_at, formed_ms FROM items
       WHERE ${agency ? 'agency_code = ? AND ' : ''}published_at >= ? AND published_at < ?`,
    );
  const publishedBy = { all: published(false), agency: published(true) };
  const corrections = (agency: boolean) =>
    db.prepare(
      `SELECT c.agency_code, i.agency_name, c.field, count(*) AS n FROM corrections c JOIN items i ON i.id = c.id
       WHERE ${agency ? 'c.agency_code = ? AND ' : ''}c.published_at >= ? AND c.published_at < ? GROUP BY 1, 2, 3`,
    );
  const correctionsBy = { all: corrections(false), agency: corrections(true) };
  const withdrawn = (agency: boolean) =>
    db.prepare(
      `SELECT agency_code, agency_name, field, count(*) AS n FROM items
       WHERE ${agency ? 'agency_code = ? AND ' : ''}withdrawn_at >= ? AND withdrawn_at < ? GROUP BY 1, 2, 3`,
    );
  const withdrawnBy = { all: withdrawn(false), agency: withdrawn(true) };
  const byIds = (n: number) => db.prepare(`SELECT id, sort_key FROM public_items WHERE agency_code = ? AND id IN (${Array(n).fill('?').join(',')})`);
  const byNumbers = (n: number) =>
    db.prepare(
      `SELECT p.id, p.sort_key FROM application_numbers a JOIN public_items p ON p.sort_key = a.sort_key
       WHERE p.agency_code = ? AND a.number IN (${Array(n).fill('?').join(',')})`,
    );
  const byProjects = (n: number) =>
    db.prepare(`SELECT id, sort_key FROM public_items WHERE agency_code = ? AND project_code IN (${Array(n).fill('?').join(',')})`);
  const responses = db
    .prepare(`SELECT id FROM public_items WHERE responds_to = ? AND agency_code = ? ORDER BY sort_key LIMIT ?`)
    .pluck();

  return {
    listAgency(agencyCode: string, query: AgencyQuery): { items: AgencyListItem[]; nextCursor: string | null } {
      const after = query.cursor ? decodeCursor(query.cursor, 'updated') : { at: Number.MAX_SAFE_INTEGER, id: '' };
      const where = ['agency_code = ?'];
      const args: (string | number)[] = [agencyCode];
      const and = (condition: string, ...values: (string | number)[]) => {
        where.push(condition);
        args.push(...values);
      };
      if (query.status) and('status = ?', query.status);
      if (query.field) and('field = ?', query.field);
      // The item type is in the agency line only; an agency's rows are few, and the index on agency_code finds them.
      if (query.itemType) and(`json_extract(agency_json, '$.itemType') = ?`, query.itemType);
      const due = dayRange({ from: query.dueFrom, to: query.dueTo });
      if (due.from !== undefined) and('due_at >= ?', due.from);
      if (due.to !== undefined) and('due_at <= ?', due.to);
      if (query.overdueAt) and(`((status = 'draft' AND due_at < ?) OR on_time = 0)`, query.overdueAt.getTime());
      and('(updated_at < ? OR (updated_at = ? AND id < ?))', after.at, after.at, after.id || '~');
      const sql = `SELECT id, updated_at, agency_json FROM items WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT ?`;
      const rows = listing(sql).all(...args, query.limit + 1) as { id: string; updated_at: number; agency_json: string }[];
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => withoutGaps(JSON.parse(r.agency_json))),
        nextCursor: rows.length > query.limit && last ? encodeCursor({ kind: 'updated', at: last.updated_at, id: last.id }) : null,
      };
    },

    pendingCompliance(agencyCode: string, horizon: Date, limit: number): PendingItem[] {
      return (pending.all(agencyCode, horizon.getTime(), limit) as string[]).map((json) => {
        const item = JSON.parse(json) as AgencyListItem & { calendarGaps: number[] };
        const { id, title, field, itemType, formedAt, dueOn, dueAt, calendarGaps } = item;
        return { id, title, field, itemType, formedAt, dueOn, dueAt: new Date(dueAt), calendarGaps };
      });
    },

    pendingReviews: (agencyCode: string, limit: number) => reviews.all(agencyCode, limit) as string[],

    annualReport(start: Date, end: Date, agencyCode?: string): ReportRow[] {
      const scope = agencyCode ? 'agency' : 'all';
      const args = [...(agencyCode ? [agencyCode] : []), start.getTime(), end.getTime()];
      const rows = new Map<string, ReportRow>();
      const rowFor = (agency: string, agencyName: string, field: string) => {
        const key = `${agency}\u0000${field}`;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { agencyCode: agency, agencyName, field, published: 0, onTime: 0, late: 0, corrected: 0, withdrawn: 0, days: [] }));
        return row;
      };
      for (const r of publishedBy[scope].iterate(...args) as Iterable<{ agency_code: string; agency_name: string; field: string; on_time: number; published_at: number; formed_ms: number }>) {
        const row = rowFor(r.agency_code, r.agency_name, r.field);
        row.published++;
        if (r.on_time) row.onTime++;
        else row.late++;
        row.days.push(Math.floor((r.published_at - r.formed_ms) / DAY_MS));
      }
      for (const r of correctionsBy[scope].all(...args) as { agency_code: string; agency_name: string; field: string; n: number }[]) {
        rowFor(r.agency_code, r.agency_name, r.field).corrected += r.n;
      }
      for (const r of withdrawnBy[scope].all(...args) as { agency_code: string; agency_name: string; field: string; n: number }[]) {
        rowFor(r.agency_code, r.agency_name, r.field).withdrawn += r.n;
      }
      return [...rows.values()];
    },

    namedIn(agencyCode: string, names: { ids: string[]; codes: string[] }): string | undefined {
      const found: { id: string; sort_key: number }[] = [];
      if (names.ids.length) found.push(...(byIds(names.ids.length).all(agencyCode, ...names.ids) as typeof found));
      if (names.codes.length) {
        found.push(...(byNumbers(names.codes.length).all(agencyCode, ...names.codes) as typeof found));
        found.push(...(byProjects(names.codes.length).all(agencyCode, ...names.codes) as typeof found));
      }
      return found.sort((a, b) => b.sort_key - a.sort_key)[0]?.id;
    },

    responsesTo: (agencyCode: string, originalId: string, limit: number) => responses.all(originalId, agencyCode, limit) as string[],
  };
}

function withoutGaps(item: AgencyListItem & { calendarGaps?: number[] }): AgencyListItem {
  const { calendarGaps: _gaps, ...rest } = item;
  return rest;
}
