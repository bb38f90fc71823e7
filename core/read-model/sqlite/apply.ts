import type Database from 'better-sqlite3';
import type { ReadRow } from '../row.ts';
import { ftsToken, itemFilterTerms } from '../search-terms.ts';
import { agencyItem } from '../row.ts';

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** yyyymm of a time in China. */
export function chinaMonth(ms: number): number {
  const d = new Date(ms + CHINA_OFFSET_MS);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/** The sort key's tie-break room: 1,024 items may share a millisecond of first publication. */
export const KEY_SPREAD = 1024;

interface PublicCubeKey {
  sort_key: number;
  field: string;
  item_type: string;
  region: string;
  agency_code: string;
  month: number;
}

/** Prepared statements of one connection, and the function that applies rows in one transaction. */
export function rowWriter(db: Database.Database) {
  const stmt = {
    version: db.prepare<[string], { version: number }>(`SELECT version FROM items WHERE id = ?`),
    upsertItem: db.prepare(`
      INSERT INTO items (id, version, hash, agency_code, agency_name, status, field, due_at, formed_ms, updated_at, published_at,
        withdrawn_at, on_time, review_state, review_requested_at, agency_json)
      VALUES (@id, @version, @hash, @agency_code, @agency_name, @status, @field, @due_at, @formed_ms, @updated_at, @published_at,
        @withdrawn_at, @on_time, @review_state, @review_requested_at, @agency_json)
      ON CONFLICT (id) DO UPDATE SET version = excluded.version, hash = excluded.hash, agency_code = excluded.agency_code,
        agency_name = excluded.agency_name, status = excluded.status, field = excluded.field, due_at = excluded.due_at,
        formed_ms = excluded.formed_ms, updated_at = excluded.updated_at, published_at = excluded.published_at,
        withdrawn_at = excluded.withdrawn_at, on_time = excluded.on_time, review_state = excluded.review_state,
        review_requested_at = excluded.review_requested_at, agency_json = excluded.agency_json`),
    deleteCorrections: db.prepare(`DELETE FROM corrections WHERE id = ?`),
    insertCorrection: db.prepare(`INSERT OR IGNORE INTO corrections (id, published_at, agency_code, field) VALUES (?, ?, ?, ?)`),
    publicOf: db.prepare<[string], PublicCubeKey>(`SELECT sort_key, field, item_type, region, agency_code, month FROM public_items WHERE id = ?`),
    keyTaken: db.prepare<[number]>(`SELECT 1 FROM public_items WHERE sort_key = ?`),
    upsertPublic: db.prepare(`
      INSERT INTO public_items (sort_key, id, agency_code, field, item_type, province, city, region, project_code, year, month, status,
        published_at, public_changed_at, responds_to, summary, text, closes_at, closing_label)
      VALUES (@sort_key, @id, @agency_code, @field, @item_type, @province, @city, @region, @project_code, @year, @month, @status,
        @published_at, @public_changed_at, @responds_to, @summary, @text, @closes_at, @closing_label)
      ON CONFLICT (sort_key) DO UPDATE SET agency_code = excluded.agency_code, field = excluded.field, item_type = excluded.item_type,
        province = excluded.province, city = excluded.city, region = excluded.region, project_code = excluded.project_code,
        year = excluded.year, month = excluded.month, status = excluded.status, published_at = excluded.published_at,
        public_changed_at = excluded.public_changed_at, responds_to = excluded.responds_to, summary = excluded.summary, text = excluded.text,
        closes_at = excluded.closes_at, closing_label = excluded.closing_label`),
    deletePublic: db.prepare(`DELETE FROM public_items WHERE sort_key = ?`),
    deleteSearch: db.prepare(`DELETE FROM search WHERE rowid = ?`),
    insertSearch: db.prepare(`INSERT INTO search (rowid, tokens) VALUES (?, ?)`),
    deleteNumbers: db.prepare(`DELETE FROM application_numbers WHERE sort_key = ?`),
    insertNumber: db.prepare(`INSERT OR IGNORE INTO application_numbers (number, sort_key) VALUES (?, ?)`),
    cube: db.prepare(`
      INSERT INTO facet_cube (field, item_type, region, agency_code, month, n) VALUES (@field, @item_type, @region, @agency_code, @month, @n)
      ON CONFLICT (field, item_type, region, agency_code, month) DO UPDATE SET n = n + excluded.n`),
    cubeDropEmpty: db.prepare(`DELETE FROM facet_cube WHERE field = ? AND item_type = ? AND region = ? AND agency_code = ? AND month = ? AND n <= 0`),
  };

  const freeKey = (publishedAt: number, id: string) => {
    const base = publishedAt * KEY_SPREAD;
    const start = Number.parseInt(id.slice(-3), 16) % KEY_SPREAD;
    for (let i = 0; i < KEY_SPREAD; i++) {
      const key = base + ((start + i) % KEY_SPREAD);
      if (!stmt.keyTaken.get(key)) return key;
    }
    throw new Error(`more than ${KEY_SPREAD} items first published in the millisecond ${publishedAt}`);
  };

  const count = (key: Omit<PublicCubeKey, 'sort_key'>, n: number) => {
    stmt.cube.run({ ...key, n });
    if (n < 0) stmt.cubeDropEmpty.run(key.field, key.item_type, key.region, key.agency_code, key.month);
  };

  const applyOne = (row: ReadRow): boolean => {
    const stored = stmt.version.get(row.id);
    if (stored && stored.version >= row.version) return false;
    stmt.upsertItem.run({
      id: row.id,
      version: row.version,
      hash: row.hash,
      agency_code: row.agencyCode,
      agency_name: row.agencyName,
      status: row.status,
      field: row.field,
      due_at: row.dueAt,
      formed_ms: Date.parse(`${row.formedAt}T00:00:00+08:00`),
      updated_at: row.updatedAt,
      published_at: row.publishedAt ?? null,
      withdrawn_at: row.withdrawnAt ?? null,
      on_time: row.onTime === undefined ? null : Number(row.onTime),
      review_state: row.reviewState ?? null,
      review_requested_at: row.reviewRequestedAt ?? null,
      agency_json: JSON.stringify({ ...agencyItem(row), calendarGaps: row.calendarGaps }),
    });
    stmt.deleteCorrections.run(row.id);
    for (const at of row.corrections) stmt.insertCorrection.run(row.id, at, row.agencyCode, row.field);

    const old = stmt.publicOf.get(row.id);
    if (old) {
      const { sort_key: _key, ...cubeKey } = old;
      count(cubeKey, -1);
      stmt.deleteSearch.run(old.sort_key);
      stmt.deleteNumbers.run(old.sort_key);
    }
    const pub = row.public;
    if (!pub) {
      if (old) stmt.deletePublic.run(old.sort_key);
      return true;
    }
    const sortKey = old?.sort_key ?? freeKey(pub.publishedAt, row.id);
    const month = chinaMonth(pub.publishedAt);
    stmt.upsertPublic.run({
      sort_key: sortKey,
      id: row.id,
      agency_code: row.agencyCode,
      field: row.field,
      item_type: row.itemType,
      province: row.region.slice(0, 2),
      city: row.region.slice(0, 4),
      region: row.region,
      project_code: pub.projectCode ?? null,
      year: pub.year,
      month,
      status: row.status,
      published_at: pub.publishedAt,
      public_changed_at: pub.publicChangedAt,
      responds_to: pub.respondsTo ?? null,
      summary: pub.summary,
      text: pub.text,
      closes_at: pub.closesAt ?? null,
      closing_label: pub.closingLabel ?? null,
    });
    count({ field: row.field, item_type: row.itemType, region: row.region, agency_code: row.agencyCode, month }, 1);
    const tokens = pub.tokens.map(ftsToken).filter(Boolean);
    if (tokens.length) {
      const filters = itemFilterTerms({ field: row.field, itemType: row.itemType, region: row.region, agencyCode: row.agencyCode, projectCode: pub.projectCode });
      stmt.insertSearch.run(sortKey, [...tokens, ...filters].join(' '));
    }
    for (const number of pub.applicationNumbers) stmt.insertNumber.run(number, sortKey);
    return true;
  };

  return db.transaction((rows: readonly ReadRow[]) => rows.reduce((changed, row) => changed + Number(applyOne(row)), 0));
}
