import type Database from 'better-sqlite3';
import { ValidationError } from '../../errors.ts';
import { decodeRequestCursor, encodeRequestCursor, type RequestCount, type RequestReadModel, type RequestRow, type RequesterType } from '../request-types.ts';

/**
 * The requests' table: the columns the queries filter on, and the row as JSON. Made on every
 * open (a file of another schema version is emptied by schema.ts; this table is then made
 * again, unbuilt, and the requests' sync rebuilds it from MongoDB).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS request_rows (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  agency_code TEXT NOT NULL,
  resident_id TEXT,
  requester_type TEXT NOT NULL,
  state TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  received_on TEXT,
  due_on TEXT,
  correction_due_on TEXT,
  closed_on TEXT,
  report_row TEXT,
  on_time INTEGER,
  row_json TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS request_agency_submitted ON request_rows (agency_code, submitted_at, id);
CREATE INDEX IF NOT EXISTS request_resident ON request_rows (resident_id, submitted_at) WHERE resident_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS request_open ON request_rows (agency_code, due_on) WHERE closed_on IS NULL;
CREATE INDEX IF NOT EXISTS request_received ON request_rows (agency_code, received_on, requester_type, closed_on) WHERE received_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS request_closed ON request_rows (agency_code, closed_on, report_row, requester_type, on_time) WHERE closed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS request_received_all ON request_rows (received_on, agency_code, requester_type, closed_on) WHERE received_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS request_closed_all ON request_rows (closed_on, agency_code, report_row, requester_type, on_time) WHERE closed_on IS NOT NULL;
`;

const BUILT_KEY = 'requests_built';

export function sqliteRequests(connection: () => Database.Database): RequestReadModel {
  let made: Database.Database | undefined;
  const ready = () => {
    const handle = connection();
    if (made !== handle) {
      handle.exec(DDL);
      made = handle;
    }
    return handle;
  };
  const rows = (sql: string, ...args: unknown[]) => (ready().prepare(sql).all(...args) as { row_json: string }[]).map((r) => JSON.parse(r.row_json) as RequestRow);
  const agencyFilter = (agencyCode: string | undefined) => (agencyCode === undefined ? { sql: '', args: [] as string[] } : { sql: ' AND agency_code = ?', args: [agencyCode] });
  const counts = (sql: string, args: unknown[]) => ready().prepare(sql).all(...args) as (RequestCount & Record<string, unknown>)[];

  return {
    async apply(list) {
      const handle = ready();
      const current = handle.prepare<[string]>(`SELECT version FROM request_rows WHERE id = ?`).pluck();
      const upsert = handle.prepare(`
        INSERT INTO request_rows (id, version, agency_code, resident_id, requester_type, state, submitted_at, received_on, due_on,
          correction_due_on, closed_on, report_row, on_time, row_json)
        VALUES (@id, @version, @agency_code, @resident_id, @requester_type, @state, @submitted_at, @received_on, @due_on,
          @correction_due_on, @closed_on, @report_row, @on_time, @row_json)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version, agency_code = excluded.agency_code, resident_id = excluded.resident_id,
          requester_type = excluded.requester_type, state = excluded.state, submitted_at = excluded.submitted_at,
          received_on = excluded.received_on, due_on = excluded.due_on, correction_due_on = excluded.correction_due_on,
          closed_on = excluded.closed_on, report_row = excluded.report_row, on_time = excluded.on_time, row_json = excluded.row_json`);
      let changed = 0;
      handle.transaction(() => {
        for (const row of list) {
          const version = current.get(row.id) as number | undefined;
          if (version !== undefined && version >= row.version) continue;
          upsert.run({
            id: row.id,
            version: row.version,
            agency_code: row.agencyCode,
            resident_id: row.residentId ?? null,
            requester_type: row.requesterType,
            state: row.state,
            submitted_at: row.submittedAt,
            received_on: row.receivedOn ?? null,
            due_on: row.dueOn ?? null,
            correction_due_on: row.correctionDueOn ?? null,
            closed_on: row.closedOn ?? null,
            report_row: row.reportRow ?? null,
            on_time: row.onTime === undefined ? null : Number(row.onTime),
            row_json: JSON.stringify(row),
          });
          changed++;
        }
      })();
      return changed;
    },
    async isBuilt() {
      const value = ready().prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(BUILT_KEY) as string | undefined;
      return Boolean(value && value !== '0');
    },
    async markBuilt() {
      ready().prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(BUILT_KEY, new Date().toISOString());
    },
    async get(id) {
      return rows(`SELECT row_json FROM request_rows WHERE id = ?`, id)[0];
    },
    async listAgency(agencyCode, query) {
      const after = query.cursor === undefined ? undefined : decodeRequestCursor(query.cursor);
      if (query.cursor !== undefined && !after) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned for this query' }]);
      const items = rows(
        `SELECT row_json FROM request_rows WHERE agency_code = ?${query.open ? ' AND closed_on IS NULL' : ''}
         ${after ? 'AND (submitted_at < ? OR (submitted_at = ? AND id < ?))' : ''} ORDER BY submitted_at DESC, id DESC LIMIT ?`,
        agencyCode,
        ...(after ? [after.at, after.at, after.id] : []),
        query.limit + 1,
      );
      const more = items.length > query.limit;
      const page = items.slice(0, query.limit);
      return { items: page, nextCursor: more ? encodeRequestCursor(page.at(-1)!) : null };
    },
    async listResident(residentId, limit) {
      return rows(`SELECT row_json FROM request_rows WHERE resident_id = ? ORDER BY submitted_at DESC LIMIT ?`, residentId, limit);
    },
    async pending(agencyCode, horizon, limit) {
      return rows(
        `SELECT row_json FROM request_rows WHERE agency_code = ? AND closed_on IS NULL
           AND (due_on <= ? OR state = 'awaiting-receipt' OR state = 'awaiting-correction' OR state = 'consulting')
         ORDER BY due_on IS NULL, due_on, submitted_at LIMIT ?`,
        agencyCode,
        horizon,
        limit,
      );
    },
    async report(from, to, agencyCode) {
      const a = agencyFilter(agencyCode);
      const byType = (where: string, args: unknown[]) =>
        counts(`SELECT agency_code AS agencyCode, requester_type AS requesterType, count(*) AS count FROM request_rows WHERE ${where}${a.sql} GROUP BY agency_code, requester_type`, [...args, ...a.args]).map(
          (c) => ({ agencyCode: c.agencyCode, requesterType: c.requesterType as RequesterType, count: Number(c.count) }),
        );
      const closed = counts(
        `SELECT agency_code AS agencyCode, requester_type AS requesterType, report_row AS reportRow, on_time AS onTime, count(*) AS count
         FROM request_rows WHERE closed_on >= ? AND closed_on <= ?${a.sql} GROUP BY agency_code, requester_type, report_row, on_time`,
        [from, to, ...a.args],
      ).map((c) => ({
        agencyCode: c.agencyCode,
        requesterType: c.requesterType as RequesterType,
        reportRow: String(c.reportRow),
        onTime: c.onTime === null ? null : Boolean(c.onTime),
        count: Number(c.count),
      }));
      return {
        received: byType(`received_on >= ? AND received_on <= ?`, [from, to]),
        carriedIn: byType(`received_on < ? AND (closed_on IS NULL OR closed_on >= ?)`, [from, from]),
        closed,
        carriedOut: byType(`received_on <= ? AND (closed_on IS NULL OR closed_on > ?)`, [to, to]),
      };
    },
  };
}
