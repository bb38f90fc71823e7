import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * FerretDB 1.24 (SQLite backend) looks documents up, updates and deletes them by `_id` with
 * `WHERE _ferretdb_sjson->'$._id' = ?` (metadata.IDColumn), but indexes `_id` on
 * `_ferretdb_sjson->"_id"`. SQLite matches index expressions by their syntax tree, so it never uses
 * FerretDB's index for those statements and scans the table instead. An index on exactly the
 * expression the queries use makes them index lookups.
 *
 * Safe to run while FerretDB serves the folder (tested in test/core/ferretdb-id-index.test.ts):
 * - FerretDB opens its files in WAL mode with busy_timeout 10000, so its readers never wait for our
 *   CREATE INDEX and its writers wait for it. Each index is built in a transaction of its own, so a
 *   writer waits for one table's build at most: 100,000 documents of 700 bytes took 0.17 s with the
 *   server stopped, 2.8 s live under four writers on two CPUs. A write waiting past ~10 s fails
 *   ("database is locked"), so index big collections at start-up, before the server runs.
 * - FerretDB keeps its own indexes in `_ferretdb_collections.settings` and names them
 *   `<table>_<index name>`, so listIndexes, dropIndexes and collStats never see ours; a collection
 *   keeps its table across renameCollection, and DROP TABLE drops our index with it.
 * - The name contains `$`, which FerretDB forbids in collection names and so in table names: no
 *   index FerretDB creates can take it.
 * - Entries for existing rows are computed by better-sqlite3's SQLite (3.53), later ones by
 *   FerretDB's (3.46); `->` yields the same text in both (compared for _ids of every BSON type),
 *   and the tests run PRAGMA integrity_check after FerretDB writes through the index.
 * The one unsafe case: a client re-creating a database it just dropped while our connection to it
 * is open (milliseconds): FerretDB reopens the WAL files we still hold and fails with "disk I/O
 * error" until we close. gongkai drops databases only in tests, with fresh names.
 */

export interface IdIndexResult {
  /** FerretDB database files seen. */
  databases: number;
  /** Collection tables seen in them. */
  tables: number;
  /** Indexes this call created (0 when all were there). */
  created: number;
  /** Files or tables that could not be handled; never thrown, so one bad file spoils nothing else. */
  warnings: string[];
}

/** The expression FerretDB's `_id` statements use, byte for byte (metadata.IDColumn). */
export const ID_EXPRESSION = `_ferretdb_sjson->'$._id'`;

export function idIndexName(table: string): string {
  return `gongkai$id_${table}`;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates the `_id` lookup index on every collection table in `<dataDir>/db/*.sqlite`. */
export function ensureIdIndexes(dataDir: string): IdIndexResult {
  const result: IdIndexResult = { databases: 0, tables: 0, created: 0, warnings: [] };
  const dbDir = path.join(dataDir, 'db');
  let files: string[];
  try {
    // FerretDB opens every `*.sqlite` of this folder, not of subfolders (metadata/pool).
    files = readdirSync(dbDir).filter((f) => f.endsWith('.sqlite'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') result.warnings.push(`${dbDir}: ${String(error)}`);
    return result;
  }
  for (const file of files.sort()) {
    if (isFile(path.join(dbDir, file))) indexFile(path.join(dbDir, file), result);
  }
  return result;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false; // dropped since the listing
  }
}

function indexFile(file: string, result: IdIndexResult): void {
  let db: Database.Database | undefined;
  try {
    // fileMustExist: a database dropped since the listing must not come back as an empty file.
    db = new Database(file, { fileMustExist: true });
    // As long as FerretDB waits for us; our own builds are per table, so short.
    db.pragma('busy_timeout = 10000');
    const schemaHas = db.prepare<[string, string], unknown>('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?');
    if (!schemaHas.get('table', '_ferretdb_collections')) {
      result.warnings.push(`${file}: not a FerretDB database (no _ferretdb_collections); skipped`);
      return;
    }
    result.databases++;
    const tables = db.prepare<[], { table_name: string }>('SELECT table_name FROM _ferretdb_collections').all();
    const stillListed = db.prepare<[string], unknown>('SELECT 1 FROM _ferretdb_collections WHERE table_name = ?');
    for (const { table_name: table } of tables) {
      result.tables++;
      const name = idIndexName(table);
      if (schemaHas.get('index', name)) continue; // a read: repeated calls take no write lock
      try {
        // IMMEDIATE: the check and the build see one state, so a collection FerretDB drops
        // meanwhile is skipped rather than reported, and FerretDB waits only for this one table.
        const created = db.transaction(() => {
          if (!stillListed.get(table) || !schemaHas.get('table', table) || schemaHas.get('index', name)) return false;
          db!.exec(`CREATE INDEX IF NOT EXISTS ${quote(name)} ON ${quote(table)} (${ID_EXPRESSION})`);
          return true;
        }).immediate();
        if (created) result.created++;
      } catch (error) {
        result.warnings.push(`${file}: table ${table}: ${String(error)}`);
      }
    }
  } catch (error) {
    result.warnings.push(`${file}: ${String(error)}`);
  } finally {
    db?.close();
  }
}
