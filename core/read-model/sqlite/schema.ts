import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Bump when the tables change: a file of another version is rebuilt from MongoDB at start. */
export const SCHEMA_VERSION = 5;

/**
 * `items`: every disclosure (drafts too), for the agency's lists, compliance and the report.
 * `public_items`: only what is public, keyed by the list order (sort_key = first publication in ms
 * × 1024 + a tie-break), so the newest-first list is a walk down the primary key and the search
 * index's rowid is the same order. `search` is FTS5 over the public search tokens only:
 * withheld values never enter the public tables. `facet_cube` counts public items per
 * dimension combination and month, so facets without a search word never scan items.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  hash TEXT NOT NULL,
  agency_code TEXT NOT NULL,
  agency_name TEXT NOT NULL,
  status TEXT NOT NULL,
  field TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  formed_ms INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  published_at INTEGER,
  withdrawn_at INTEGER,
  on_time INTEGER,
  review_state TEXT,
  review_requested_at INTEGER,
  agency_json TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_agency_updated ON items (agency_code, updated_at, id);
CREATE INDEX IF NOT EXISTS items_agency_status_updated ON items (agency_code, status, updated_at, id);
CREATE INDEX IF NOT EXISTS items_agency_draft_due ON items (agency_code, due_at) WHERE status = 'draft';
CREATE INDEX IF NOT EXISTS items_agency_review ON items (agency_code, review_requested_at) WHERE review_state = 'pending';
-- The annual report's three, covering what it reads: an agency's year is a range of one index,
-- never a lookup of each item's row (a tenth of a millisecond each at a million items).
CREATE INDEX IF NOT EXISTS items_published ON items (published_at, agency_code, agency_name, field, on_time, formed_ms) WHERE published_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_agency_published ON items (agency_code, published_at, agency_name, field, on_time, formed_ms) WHERE published_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_withdrawn ON items (withdrawn_at, agency_code, agency_name, field) WHERE withdrawn_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_agency_withdrawn ON items (agency_code, withdrawn_at, agency_name, field) WHERE withdrawn_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS corrections (
  id TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  agency_code TEXT NOT NULL,
  field TEXT NOT NULL,
  PRIMARY KEY (id, published_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS corrections_published ON corrections (published_at);
CREATE TABLE IF NOT EXISTS public_items (
  sort_key INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  agency_code TEXT NOT NULL,
  field TEXT NOT NULL,
  item_type TEXT NOT NULL,
  province TEXT NOT NULL,
  city TEXT NOT NULL,
  region TEXT NOT NULL,
  project_code TEXT,
  year INTEGER NOT NULL,
  month INTEGER NOT NULL,
  status TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  public_changed_at INTEGER NOT NULL,
  responds_to TEXT,
  summary TEXT NOT NULL,
  text TEXT NOT NULL,
  closes_at INTEGER,
  closing_label TEXT
);
CREATE INDEX IF NOT EXISTS public_field ON public_items (field);
CREATE INDEX IF NOT EXISTS public_facets ON public_items (sort_key, field, item_type, region, agency_code, year);
CREATE INDEX IF NOT EXISTS public_item_type ON public_items (field, item_type);
CREATE INDEX IF NOT EXISTS public_province ON public_items (province);
CREATE INDEX IF NOT EXISTS public_city ON public_items (city);
CREATE INDEX IF NOT EXISTS public_region ON public_items (region);
CREATE INDEX IF NOT EXISTS public_agency ON public_items (agency_code);
CREATE INDEX IF NOT EXISTS public_agency_field ON public_items (agency_code, field);
CREATE INDEX IF NOT EXISTS public_field_province ON public_items (field, province);
CREATE INDEX IF NOT EXISTS public_project ON public_items (project_code) WHERE project_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS public_changed ON public_items (public_changed_at, sort_key);
CREATE INDEX IF NOT EXISTS public_agency_changed ON public_items (agency_code, public_changed_at);
CREATE INDEX IF NOT EXISTS public_closes ON public_items (closes_at, sort_key) WHERE closes_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS public_responds ON public_items (responds_to, agency_code) WHERE responds_to IS NOT NULL;
CREATE TABLE IF NOT EXISTS application_numbers (
  number TEXT NOT NULL,
  sort_key INTEGER NOT NULL,
  PRIMARY KEY (number, sort_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS application_numbers_key ON application_numbers (sort_key);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
  tokens, content = '', contentless_delete = 1, detail = none, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
CREATE TABLE IF NOT EXISTS facet_cube (
  field TEXT NOT NULL,
  item_type TEXT NOT NULL,
  region TEXT NOT NULL,
  agency_code TEXT NOT NULL,
  month INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (field, item_type, region, agency_code, month)
) WITHOUT ROWID;
`;

export interface OpenedFile {
  db: Database.Database;
  /** The file's inode when opened: a different one at the same path means it was deleted or replaced. */
  inode: number;
}

/**
 * Opens (creating when missing) the read model's file in WAL mode, so every process on the
 * machine reads it while one writes. A file of another schema version is emptied here; the
 * caller sees it as not built and rebuilds it.
 */
export function openReadModelFile(file: string): OpenedFile {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL with NORMAL loses at most the last transactions on a power cut, never consistency; what it
  // loses, the journal in MongoDB still holds (a claim is deleted only after its row was applied).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -32000');
  const version = tableExists(db, 'meta') ? (db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).pluck().get() as string | undefined) : undefined;
  if (version !== undefined && Number(version) !== SCHEMA_VERSION) dropAll(db);
  db.exec(DDL);
  db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
  return { db, inode: fs.statSync(file).ino };
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

function dropAll(db: Database.Database): void {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_%'`).pluck().all() as string[];
  db.transaction(() => {
    for (const table of tables) db.exec(`DROP TABLE IF EXISTS "${table}"`);
  })();
}
